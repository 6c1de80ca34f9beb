// biome-ignore-all lint/correctness/noUnusedVariables: the block read inside this prelude uses it
// Context of a block that continues an earlier one: an orchestrator and a live terminal, which
// the block itself kills.
import { Orchestrator } from '@orchflow/core';

const orch = Orchestrator.builder().build();
const term = await orch.spawnTerminal('worker-1', { cwd: process.cwd() });
/* snippet */
await orch.shutdown();
