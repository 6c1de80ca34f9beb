// A PtyProcess whose process the spawner forked (spawner.ts): the PTY pair is opened here with
// node-pty's native `open` (no fork), the spawner starts the process on the slave, and this
// process reads and writes the master as node-pty does for its own PTYs.
import { closeSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ReadStream } from 'node:tty';
import type { ExitInfo } from '@orchflow/protocol';
import { lookUpNativeLauncher } from '../containment/launcher';
import { signalName } from '../node-pty-process';
import { PtyDrain } from '../pty-drain';
import type { PtyProcess, PtySpawnRequest } from '../pty-process';
import { createNonce } from '../shell-integration/marker-format';
import type { Spawner } from './spawner';

/** node-pty's native functions used here (lib/utils `loadNativeModule('pty')`, 1.1.0 and 1.2.0-beta). */
interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
  resize(fd: number, cols: number, rows: number, xPixels: number, yPixels: number): void;
}

// Built ESM and vitest have import.meta.url, built CJS __filename.
const url = (import.meta as { url?: string }).url;
let native: NativePty | null | undefined;

/**
 * node-pty's native module, or null when it does not look as expected (a node-pty release that
 * changed it): terminals are then forked by node-pty itself.
 */
export function nodePtyNative(): NativePty | null {
  if (native !== undefined) return native;
  try {
    const require = createRequire(url ?? __filename);
    const utils = require('node-pty/lib/utils') as { loadNativeModule(name: string): { module: unknown } };
    const loaded = utils.loadNativeModule('pty').module as Partial<NativePty>;
    native =
      typeof loaded.open === 'function' && typeof loaded.resize === 'function' ? (loaded as NativePty) : null;
  } catch {
    native = null;
  }
  return native;
}

let launcherPath: string | null | undefined;

/** The compiled launcher's path, if there is one that may run (the spawner runs its steps). */
function nativeLauncherPath(): string | null {
  if (launcherPath === undefined) {
    const found = lookUpNativeLauncher();
    launcherPath = 'path' in found ? found.path : null;
  }
  return launcherPath;
}

/** Decodes a raw wait status (or its loss) into the exit a terminal reports. */
export function exitInfo(status: number | undefined): ExitInfo {
  if (status === undefined) return { exitCode: null, signal: null, reason: 'spawner-lost' };
  const signal = status & 0x7f;
  if (signal === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: null, signal: signalName(signal) };
}

/** Starts `request` through `spawner` on a new PTY; rejects when it cannot. */
export async function spawnThroughSpawner(
  spawner: Spawner,
  pty: NativePty,
  request: PtySpawnRequest,
): Promise<PtyProcess> {
  const pair = pty.open(request.cols, request.rows);
  // The slave fd open() returns (non-blocking) stays here for the drain; the child opens its own.
  const drainFd = pair.slave;
  const cwd = request.cwd || process.cwd();
  const env = { ...request.env, PWD: cwd, TERM: request.env.TERM ?? 'xterm-256color' };
  let exit: ExitInfo | undefined;
  let onExit: ((info: ExitInfo) => void) | undefined;
  let exitedWith: number | undefined | null = null;
  let master: MasterSide | undefined;
  const exited = (status: number | undefined) => {
    // The process ended before this function returned (it failed at once): handled below.
    if (!master) {
      exitedWith = status;
      return;
    }
    master.end(status, (info) => {
      exit = info;
      onExit?.(info);
    });
  };
  let pid: number;
  try {
    pid = await spawner.start(
      {
        slave: pair.pty,
        cwd,
        file: request.file,
        argv: [request.file, ...request.args],
        env,
        launch: request.file === nativeLauncherPath(),
      },
      exited,
    );
  } catch (error) {
    closeSync(drainFd);
    closeSync(pair.master);
    throw error;
  }
  master = new MasterSide(pty, pair.master, drainFd);
  if (exitedWith !== null) exited(exitedWith);
  const side = master;
  return {
    pid,
    write: (data) => side.write(data),
    resize: (cols, rows) => side.resize(cols, rows),
    pause: () => side.pause(),
    resume: () => side.socket.resume(),
    onData: (listener) => side.listen(listener),
    onExit: (listener) => {
      onExit = listener;
      if (exit) listener(exit);
    },
  };
}

// How long to wait before writing again into a PTY whose input queue is full.
const WRITE_RETRY_MS = 2;

/** The master end: reads through the drain, writes in order, and closes once after the exit. */
class MasterSide {
  readonly socket: ReadStream;
  private readonly drain: PtyDrain;
  private listener: ((bytes: Uint8Array) => void) | undefined;
  private readonly queue: Buffer[] = [];
  private retry: NodeJS.Timeout | undefined;
  // Set before the fd is closed: its number may then belong to another file.
  private closed = false;

  constructor(
    private readonly pty: NativePty,
    private readonly fd: number,
    drainFd: number,
  ) {
    this.socket = new ReadStream(fd);
    this.drain = new PtyDrain(() => this.read(), drainFd, createNonce());
    // EIO once no slave is open any more; the exit comes from the spawner either way.
    this.socket.on('error', () => undefined);
  }

  /** Stops reading, unless the process has exited: its last output is then read to the end. */
  pause(): void {
    if (!this.drain.draining) this.socket.pause();
  }

  listen(listener: (bytes: Uint8Array) => void): void {
    this.listener = listener;
    this.read();
  }

  // Reading starts with the first listener (the kernel holds the output until then) or with the
  // drain; every chunk goes through the drain's filter, listened to or not.
  private read(): void {
    if (this.socket.listenerCount('data') === 0) {
      this.socket.on('data', (chunk: Buffer) => {
        const bytes = this.drain.filter(chunk);
        this.listener?.(bytes);
      });
    }
    this.socket.resume();
  }

  /** After the process's exit: reads what the PTY still holds, then closes it and reports. */
  end(status: number | undefined, report: (info: ExitInfo) => void): void {
    this.drain.run(() => {
      this.closed = true;
      clearTimeout(this.retry);
      this.queue.length = 0;
      this.socket.destroy();
      // After the chunk that held the sentinel: the drain ends inside the read that found it,
      // and the bytes before the sentinel are handed on when that returns.
      queueMicrotask(() => report(exitInfo(status)));
    });
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) this.pty.resize(this.fd, cols, rows, 0, 0);
  }

  write(data: string | Uint8Array): void {
    if (this.closed) return;
    // A copy: the caller may reuse its array while the bytes wait in the queue.
    const bytes = Buffer.from(data);
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    if (this.queue.length === 1) this.flush();
  }

  // Writes at once when the PTY takes it (the usual case: no trip through libuv's thread pool);
  // what a full input queue refuses waits for the shell to read.
  private flush(): void {
    this.retry = undefined;
    while (!this.closed && this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      let written: number;
      try {
        written = writeSync(this.fd, head);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setTimeout(() => this.flush(), WRITE_RETRY_MS);
          return;
        }
        // EIO: nothing reads the slave any more; the exit follows.
        this.queue.length = 0;
        return;
      }
      if (written === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(written);
    }
  }
}
