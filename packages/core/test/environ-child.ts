// Child process of environ.test.ts: an orchestrator whose own environment holds a secret (as a
// server started with a token in its environment would), running one terminal at `process`
// isolation and one `sandboxed`. Prints, as JSON, whether each terminal's commands found the
// secret in its parent's environ or anywhere in /proc.
import { Orchestrator } from '../src/index';

const secret = process.env.ORCHFLOW_TEST_SECRET ?? '';
const [workspace] = process.argv.slice(2);
const orch = Orchestrator.builder().withSecurityPolicy({ isolationLevel: 'process' }).build();
const read = "cat /proc/$PPID/environ /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'";
const seen: Record<string, boolean> = {};
try {
  for (const mode of ['interactive', 'sandboxed'] as const) {
    const term = await orch.spawnTerminal('agent', { cwd: workspace, mode });
    const found = await term.execute(read, { maxOutputBytes: 16 * 1024 * 1024 });
    seen[mode] = found.stdout.includes(secret);
    if (mode === 'interactive') seen.shellEnv = (await term.execute('env')).stdout.includes(secret);
  }
} finally {
  await orch.shutdown();
}
process.stdout.write(`${JSON.stringify(seen)}\n`);
