// The default PtyProcess: node-pty in this process, with PtyDrain making the last bytes a shell
// wrote before exiting arrive before its exit is reported.
import { constants } from 'node:os';
import type { ExitInfo } from '@orchflow/protocol';
import { spawn } from 'node-pty';
import { PtyDrain } from './pty-drain';
import type { PtyProcess, PtySpawnRequest } from './pty-process';
import { createNonce } from './shell-integration/marker-format';

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** The name of signal number `n` (`SIGTERM`), or `SIG<n>` for one this platform does not name. */
export function signalName(n: number): string {
  return signalNames.get(n) ?? `SIG${n}`;
}

/** Spawns `request` in a node-pty PTY; throws when node-pty cannot start it. */
export function spawnNodePty(request: PtySpawnRequest): PtyProcess {
  const pty = spawn(request.file, request.args, {
    name: request.env.TERM ?? 'xterm-256color',
    cols: request.cols,
    rows: request.rows,
    cwd: request.cwd,
    env: request.env,
    encoding: null,
  });
  // The drain sentinel gets its own random value: the terminal's key must never be written to the PTY.
  const drain = PtyDrain.install(pty, createNonce());
  return {
    pid: pty.pid,
    write: (data) => pty.write(typeof data === 'string' ? data : Buffer.from(data)),
    resize: (cols, rows) => pty.resize(cols, rows),
    // Not once the process exited: its last output is then read to the end (PtyDrain).
    pause: () => {
      if (!drain?.draining) pty.pause();
    },
    resume: () => pty.resume(),
    onData: (listener) => {
      // encoding: null makes node-pty hand out Buffers (its typings only know strings).
      pty.onData((data) => {
        const bytes = data as unknown as Buffer;
        listener(drain ? drain.filter(bytes) : bytes);
      });
    },
    onExit: (listener) => {
      // node-pty emits exit only after its socket closed, and PtyDrain holds that close back until
      // the output queued in the kernel has been read, so every byte has been delivered by then.
      pty.onExit(({ exitCode, signal }) => {
        const info: ExitInfo = signal
          ? { exitCode: null, signal: signalName(signal) }
          : { exitCode, signal: null };
        listener(info);
      });
    },
  };
}
