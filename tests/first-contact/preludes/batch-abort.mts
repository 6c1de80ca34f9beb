// biome-ignore-all lint/correctness/noUnusedImports: the block read inside this prelude uses them
// biome-ignore-all lint/correctness/noUnusedVariables: the block read inside this prelude uses it
// Context of a block that aborts a batch, which the docs say runs the same on an Orchestrator and
// an OrchflowClient: it runs on both, each time in a fresh terminal.
import { type BatchAbortedData, ErrorCode, isOrchflowError, OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';

const orch = new Orchestrator();
const client = await OrchflowClient.direct(orch);
for (const orchOrClient of [orch, client]) {
  const terminal = await orchOrClient.spawnTerminal('batch');
  /* snippet */
}
await client.close();
await orch.shutdown();
