// The node side of `orchflow-spawner` (native/spawner.c): one small helper process per
// orchestrating process that forks terminal processes for it. Forking from node costs the
// orchestrating process ~1-3 ms of CPU per terminal (the kernel copies the page tables of a large
// process) and node-pty adds a thread per child to wait for it; forking from a helper of a few
// hundred KB costs it nothing but a pipe write (docs/performance.md, "1000 concurrent terminals").
// The helper starts with the first terminal and is started again after it died; if it cannot run
// at all, terminals are forked by node-pty as before (spawnLocalPty).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { getSystemErrorMap } from 'node:util';
import { lookUpNativeProgram } from '../containment/launcher';
import { readProcStat } from '../process/procfs';

/** What to start on a PTY slave. */
export interface SpawnerRequest {
  /** Path of the PTY's slave (`/dev/pts/N`); the process gets it as its controlling terminal. */
  slave: string;
  cwd: string;
  file: string;
  /** The whole argv, argv[0] included. */
  argv: string[];
  /**
   * True when `file` is the native launcher: the spawner then runs the launcher's steps itself
   * in the child (it is compiled with them) and execs the launcher's program directly.
   */
  launch: boolean;
  env: Record<string, string>;
}

/**
 * Receives a started process's end: its raw wait status, or undefined when it can no longer be
 * known (the spawner died; the process was seen gone).
 */
export type SpawnerExitListener = (status: number | undefined) => void;

/** The spawner itself cannot run (missing, not executable here): use node-pty instead. */
export class SpawnerUnavailable extends Error {
  override readonly name = 'SpawnerUnavailable';
}

/**
 * The spawner ended (killed, crashed) before it answered a request; its message names the
 * spawner's path and what it printed, for the server's operator. The next request starts another.
 */
export class SpawnerEnded extends Error {
  override readonly name = 'SpawnerEnded';
  constructor(
    message: string,
    /** How it ended: `exit code 1`, `killed by SIGKILL`, or the error that stopped it. */
    readonly how: string,
  ) {
    super(message);
  }
}

/** A request refused before it reached the spawner: too large, or a NUL byte in it (the caller's own). */
export class SpawnRequestRefused extends Error {
  override readonly name = 'SpawnRequestRefused';
}

/** The spawner could not start the process: `code` is the errno (`ENOENT`), `stage` what it was doing. */
export class SpawnerStartError extends Error {
  override readonly name = 'SpawnerStartError';
  declare readonly code: string | undefined;
  declare readonly stage: 'open' | 'ctty' | 'chdir' | 'exec';
}

interface Pending {
  resolve(pid: number): void;
  reject(error: Error): void;
  onExit: SpawnerExitListener;
}

// How often a process whose spawner died is looked for (its exit status is gone with the spawner).
const ORPHAN_POLL_MS = 200;
const STDERR_TAIL = 1024;
// What the spawner buffers for one request (MAX_REQUEST in native/spawner.c, less room for the id).
const MAX_REQUEST_BYTES = 4 * 1024 * 1024 - 64;

/** One running orchflow-spawner. */
export class Spawner {
  private static current: Spawner | undefined;
  private static unusable: string | undefined;

  /**
   * The process's spawner (started on first use, and again after one died), or undefined when
   * there is none that may run here: not compiled, not trusted (see lookUpNativeProgram), turned
   * off with `ORCHFLOW_SPAWNER=off`, or it failed to start before.
   */
  static shared(): Spawner | undefined {
    if (Spawner.current && !Spawner.current.dead) return Spawner.current;
    if (Spawner.unusable !== undefined) return undefined;
    if (process.platform !== 'linux' || process.env.ORCHFLOW_SPAWNER === 'off') {
      Spawner.unusable =
        process.platform !== 'linux' ? `not on Linux (${process.platform})` : 'ORCHFLOW_SPAWNER=off';
      return undefined;
    }
    const found = lookUpNativeProgram('orchflow-spawner', 'spawner');
    if (!('path' in found)) {
      Spawner.unusable = found.missing;
      return undefined;
    }
    Spawner.current = new Spawner(found.path);
    return Spawner.current;
  }

  /** Why terminals are not started through the spawner, if they are not. */
  static get unavailableReason(): string | undefined {
    return Spawner.unusable;
  }

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Map<number, SpawnerExitListener>();
  private nextId = 1;
  private lines = '';
  private stderr = '';
  private answered = false;
  private dead = false;

  private constructor(path: string) {
    // Its own session: a Ctrl-C typed at the orchestrator's terminal must not reach it. Its
    // environment is empty: every process it starts gets the one it is given.
    this.child = spawn(path, [], { stdio: 'pipe', detached: true, env: {} });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (text: string) => this.receive(text));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
    });
    // EPIPE after it died: its exit is handled once, below.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (error) => this.died(error.message));
    // 'close', not 'exit': the lines it wrote before it ended are read first.
    this.child.on('close', (code, signal) => this.died(signal ? `killed by ${signal}` : `exit code ${code}`));
    // Only a pending spawn or a running process keeps node running (updateRef), never the pipes.
    this.child.unref();
    unrefSocket(this.child.stderr);
    unrefSocket(this.child.stdin);
    this.updateRef();
  }

  /** Starts a process; resolves with its pid once it runs, rejects when it could not start. */
  start(request: SpawnerRequest, onExit: SpawnerExitListener): Promise<number> {
    const fields = [
      request.launch ? 'launch' : 'exec',
      request.slave,
      request.cwd,
      request.file,
      String(request.argv.length),
      ...request.argv,
      String(Object.keys(request.env).length),
      ...Object.entries(request.env).map(([key, value]) => `${key}=${value}`),
    ];
    const bytes = fields.reduce((sum, field) => sum + Buffer.byteLength(field) + 1, 0);
    if (bytes > MAX_REQUEST_BYTES)
      return Promise.reject(
        new SpawnRequestRefused(
          `the program's arguments and environment take ${bytes} bytes; the spawner takes at most ${MAX_REQUEST_BYTES} (Linux itself allows ~2 MiB)`,
        ),
      );
    const bad = fields.find((field) => field.includes('\0'));
    if (bad !== undefined)
      return Promise.reject(
        new SpawnRequestRefused(
          `an argument or environment value contains a NUL byte: ${JSON.stringify(bad.slice(0, 80))}`,
        ),
      );
    if (this.dead) return Promise.reject(new SpawnerEnded('the spawner has exited', 'it had exited'));
    const id = String(this.nextId++);
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onExit });
      this.updateRef();
      this.child.stdin.write(`${id}\0${fields.join('\0')}\0`);
    });
  }

  private receive(text: string): void {
    this.lines += text;
    let end = this.lines.indexOf('\n');
    while (end >= 0) {
      this.handle(this.lines.slice(0, end).split(' '));
      this.lines = this.lines.slice(end + 1);
      end = this.lines.indexOf('\n');
    }
    this.updateRef();
  }

  private handle([kind, a, b, c]: string[]): void {
    this.answered = true;
    if (kind === 'X') {
      const pid = Number(a);
      const listener = this.running.get(pid);
      this.running.delete(pid);
      listener?.(Number(b));
      return;
    }
    const request = this.pending.get(a ?? '');
    if (!request) return;
    this.pending.delete(a ?? '');
    if (kind === 'P') {
      // Registered before any later line is read: its exit cannot come first.
      this.running.set(Number(b), request.onExit);
      request.resolve(Number(b));
    } else {
      const errno = Number(b);
      const stage = c === 'open' || c === 'ctty' || c === 'chdir' ? c : 'exec';
      const code = getSystemErrorMap().get(-errno)?.[0];
      request.reject(
        Object.assign(new SpawnerStartError(`${stageText(c)}: ${errnoText(errno)}`), { code, stage }),
      );
    }
  }

  private died(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const said = this.stderr.trim();
    const reason = `the spawner (${this.child.spawnfile}) ended: ${why}${said ? `; it said: ${said}` : ''}`;
    if (!this.answered) Spawner.unusable = reason;
    for (const request of this.pending.values())
      request.reject(this.answered ? new SpawnerEnded(reason, why) : new SpawnerUnavailable(reason));
    this.pending.clear();
    // Its children live on without it, and their exit status is lost with it: watch for them to go.
    for (const [pid, listener] of this.running) watchOrphan(pid, listener);
    this.running.clear();
    this.child.stdout.destroy();
    this.child.stdin.destroy();
  }

  // Keeps node running while a spawn is answered or a process runs (as node-pty's wait thread does).
  private updateRef(): void {
    const busy = !this.dead && (this.pending.size > 0 || this.running.size > 0);
    const stdout = this.child.stdout as unknown as { ref(): void; unref(): void };
    busy ? stdout.ref() : stdout.unref();
  }
}

function unrefSocket(stream: unknown): void {
  (stream as { unref(): void }).unref();
}

/**
 * Reports `pid`'s end once it is gone, a zombie (an orchestrator that is PID 1 or a subreaper
 * inherits it and does not reap it) or another process under its number.
 */
function watchOrphan(pid: number, listener: SpawnerExitListener): void {
  const start = readProcStat(pid)?.startTime;
  const gone = () => {
    const now = readProcStat(pid);
    return now === undefined || now.state === 'Z' || now.startTime !== start;
  };
  if (start === undefined) {
    listener(undefined);
    return;
  }
  const timer = setInterval(() => {
    if (!gone()) return;
    clearInterval(timer);
    listener(undefined);
  }, ORPHAN_POLL_MS);
}

function stageText(stage: string | undefined): string {
  switch (stage) {
    case 'open':
      return 'cannot open the PTY slave';
    case 'ctty':
      return 'cannot make the PTY the controlling terminal';
    case 'chdir':
      return 'cannot change to the working directory';
    default:
      return 'cannot run the program';
  }
}

function errnoText(errno: number): string {
  const known = getSystemErrorMap().get(-errno);
  return known ? `${known[1]} (${known[0]})` : `errno ${errno}`;
}
