// Context of a block that reads a terminal's output until the terminal ends: it runs a command
// and then exits, so the block's loop must reach the end of the stream.
import { Orchestrator } from '@orchflow/core';

const orch = Orchestrator.builder().build();
const term = await orch.spawnTerminal('worker-1', { cwd: process.cwd() });
const ends = term.execute('echo streamed').then(() => term.write('exit\n'));
/* snippet */
await ends;
await orch.shutdown();
