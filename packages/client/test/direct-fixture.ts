// A client connected in process to a fresh Orchestrator, both closed when the test finishes.
import { Orchestrator } from '@orchflow/core';
import { onTestFinished } from 'vitest';
import { OrchflowClient } from '../src/index';

/** An in-process orchestrator and a client of it (`OrchflowClient.direct`), closed after the test. */
export async function directClient(): Promise<{ orch: Orchestrator; client: OrchflowClient }> {
  const orch = Orchestrator.builder().build();
  const client = await OrchflowClient.direct(orch);
  onTestFinished(async () => {
    await client.close();
    await orch.shutdown();
  });
  return { orch, client };
}
