// biome-ignore-all lint/correctness/noUnusedVariables: the block read inside this prelude uses it
// Context of a block the docs say runs the same on an Orchestrator and an OrchflowClient: it runs
// on both, in a terminal whose commands fail (no Makefile), which a transaction reports.
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';

const orch = new Orchestrator();
const client = await OrchflowClient.direct(orch);
for (const orchOrClient of [orch, client]) {
  const terminal = await orchOrClient.spawnTerminal('tx');
  /* snippet */
  console.log(results);
}
await client.close();
await orch.shutdown();
