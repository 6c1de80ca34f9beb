// Child process of containment-crash.test.ts. `crash <cwd> <duration>`: an orchestrator spawns
// three terminals, the last one starts `nohup sleep <duration> &`, the pids are reported, and it
// waits to be killed with SIGKILL. `start`: an orchestrator starts (reaping what a dead one left,
// reported as a process warning on stderr) and shuts down. `exit <cwd> <duration>`: a terminal
// starts `setsid -f sleep <duration>`, and the process exits without shutdown().
import { Orchestrator } from '@orchflow/core';

const [mode, cwd, duration] = process.argv.slice(2);
const orch = Orchestrator.builder().build();
await orch.ready();
if (mode === 'crash') {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await orch.spawnTerminal('crash', { cwd })).id);
  await orch.execute(ids[2] as string, `nohup sleep ${duration} >/dev/null 2>&1 </dev/null &`);
  const shells = ids.map((id) => orch.terminalInfo(id).pid);
  process.stdout.write(`${JSON.stringify({ shells })}\n`);
  setInterval(() => undefined, 60_000);
} else if (mode === 'exit') {
  const { id } = await orch.spawnTerminal('exit', { cwd });
  await orch.execute(id, `setsid -f sleep ${duration} >/dev/null 2>&1 </dev/null`);
  process.stdout.write('started\n', () => process.exit(0));
} else {
  await orch.shutdown();
  process.stdout.write('started\n');
}
