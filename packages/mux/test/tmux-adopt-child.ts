// Child process of tmux-adopt.test.ts: an orchestrator on TmuxBackend that spawns one terminal,
// fills its scrollback, reports the terminal and then waits to be killed with SIGKILL.
import { Orchestrator } from '@orchflow/core';
import { TmuxBackend } from '@orchflow/mux';

const socketName = process.argv[2] ?? 'orchflow-adopt-test';
const orch = Orchestrator.builder().withBackend(new TmuxBackend({ socketName })).build();
const terminal = await orch.spawnTerminal('agent-7', { cwd: '/tmp', name: 'survivor' });
await orch.execute(terminal.id, 'export MARK=kept; for i in $(seq 1 3000); do echo "line-$i"; done');
const info = orch.terminalInfo(terminal.id);
process.stdout.write(`${JSON.stringify({ id: info.id, pid: info.pid })}\n`);
setInterval(() => undefined, 60_000);
