// Test helper: runs the `orchflow` CLI program inside the test process and captures what it writes
// on stdout and stderr. A real process costs seconds of a shared CPU per run (tsx compiles the CLI
// each time); tests that need the real binary use cli-run.ts. One run at a time: the capture
// replaces process.stdout.write and process.stderr.write while it runs.
import { runCli as runProgram } from '../src/cli/program';

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;

/** Runs `orchflow ...args` in this process, capturing what it writes on stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    const capture: Write = (chunk, ...rest) => {
      captured[name].push(Buffer.from(chunk));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    };
    process[name].write = capture as typeof process.stdout.write;
  }
  try {
    const code = await runProgram(['node', 'orchflow', ...args]);
    return { code, ...text(captured) };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}

function text(captured: { stdout: Buffer[]; stderr: Buffer[] }) {
  return {
    stdout: Buffer.concat(captured.stdout).toString('utf8'),
    stderr: Buffer.concat(captured.stderr).toString('utf8'),
  };
}
