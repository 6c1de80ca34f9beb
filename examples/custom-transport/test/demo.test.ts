// The `start` demo end to end: orchestrator in a worker thread, client in the main thread, a real
// shell running a command across the MessagePort, and a clean shutdown of the worker.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const exampleDir = fileURLToPath(new URL('..', import.meta.url));

it('runs a command in the worker-thread orchestrator and shuts the worker down', async () => {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
    cwd: exampleDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  const [code] = await once(child, 'exit');
  expect(output).toContain("over [ 'message-port' ]");
  const pid = /spawned terminal \S+ \(pid (\d+)\) in the worker thread/.exec(output)?.[1];
  expect(pid, output).toBeDefined();
  // The shell's own pid in its output proves the command ran in the terminal that was spawned.
  expect(output).toContain(`stdout "hello from the shell with pid ${pid}\\n", exit code 3`);
  expect(output).toContain('worker exited with code 0');
  // Node warns nowhere: e.g. not about PTY fds the worker closes (see trackUnmanagedFds in main.ts).
  // An OrchflowReapWarning is not the demo's doing: it reports what other orchflow processes on
  // this machine left behind when they died (another test's, killed on purpose), reaped at start.
  const warnings = output
    .split('\n')
    .filter((line) => line.includes('Warning') && !line.includes('OrchflowReapWarning'));
  expect(warnings, output).toEqual([]);
  expect(code, output).toBe(0);
});
