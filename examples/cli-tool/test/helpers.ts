// Runs orchflow-par for real: in this process through main() (fast: no tsx start-up per run), or
// as the executable a user runs (exit status, signals).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main';

/** The bin a user runs. */
export const BIN = fileURLToPath(new URL('../bin/orchflow-par.mjs', import.meta.url));

/** What one in-process run printed and returned. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main() with `argv` in `cwd`, capturing its output (no colors: as when piped). */
export async function runMain(
  argv: string[],
  cwd: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    color: false,
    cwd,
    signal,
  });
  return { code, stdout, stderr };
}

/** A spawned orchflow-par process with its output collected as it comes. */
export interface Spawned {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the combined output matches `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>;
  exit: Promise<number | null>;
  /** SIGINT to the executable's whole process group (what pressing Ctrl-C does). */
  ctrlC(): void;
}

const children = new Set<ChildProcess>();

/** Kills executables a failed test left running (each by its own handle). */
export function killSpawned(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/**
 * Starts the real executable in a process group of its own, as a shell runs a foreground job:
 * {@link Spawned.ctrlC} signals the whole group, as a terminal does when you press Ctrl-C.
 */
export function spawnBin(argv: string[], cwd: string): Spawned {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true,
  });
  children.add(child);
  let text = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exit,
    ctrlC: () => {
      if (child.pid) process.kill(-child.pid, 'SIGINT');
    },
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
        void exit.then(() => {
          if (waiters.delete(check)) reject(new Error(`exited before ${pattern}; output:\n${text}`));
        });
      }),
  };
}
