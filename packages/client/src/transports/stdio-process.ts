// One sidecar process: spawned with piped stdin/stdout carrying Content-Length frames, its stderr
// passed through or kept as a short tail for error messages, and its exit observed.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ChannelClosedError, ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';

/** Characters of the sidecar's stderr kept for exit reports. */
export const STDERR_TAIL_CHARS = 2_048;

/** How to start the sidecar. */
export interface SidecarCommand {
  /** Executable, e.g. `orchflow` or `process.execPath`. */
  command: string;
  /** Its arguments, e.g. `['serve', '--stdio']`. */
  args?: string[];
  /** Working directory. Default: this process's. */
  cwd?: string;
  /** Environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Start the sidecar in a session and process group of its own, so a Ctrl-C typed at this
   * program's terminal reaches this program alone, which decides what to interrupt; `false`
   * shares this program's group, and the sidecar shuts down (killing its terminals) on that
   * Ctrl-C too. Either way it ends when this process's pipes close, so it never outlives it.
   * Default: true where this process has a controlling terminal (a Ctrl-C could reach the
   * sidecar), else false — on Linux a session of its own is also a scheduling group of its own
   * (autogroup), which added ~0.3 ms to each request's round trip.
   */
  detached?: boolean;
  /** `inherit` passes the sidecar's logs to this stderr; `pipe` (default) keeps only a tail. */
  stderr?: 'inherit' | 'pipe';
  /** Largest frame sent or accepted. Default 16 MiB. */
  maxFrameBytes?: number;
}

/** How a sidecar process ended. */
export interface SidecarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr (empty with `stderr: 'inherit'`). */
  stderrTail: string;
}

/** A running sidecar process and the channel to it. */
export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly channel: StreamChannel;
  /** Resolves once the process exited and its pipes closed. */
  readonly exited: Promise<SidecarExit>;
}

/**
 * Whether a sidecar starts in a session of its own unless told: only where a Ctrl-C typed at a
 * terminal could reach it, i.e. where this process has a controlling terminal (and on Windows,
 * where `detached` means something else and stays as it was).
 */
export function defaultDetached(): boolean {
  if (process.platform === 'win32') return true;
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    // ENXIO: no controlling terminal (a service, a CI job, an editor's extension host).
    return false;
  }
}

/** Spawns the sidecar; rejects with a clear message when it cannot be started at all. */
export function spawnSidecar(command: SidecarCommand): Promise<SidecarProcess> {
  const child = spawn(command.command, command.args ?? [], {
    cwd: command.cwd,
    env: command.env,
    stdio: ['pipe', 'pipe', command.stderr === 'inherit' ? 'inherit' : 'pipe'],
    detached: command.detached ?? defaultDetached(),
  });
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    tail += text;
    if (tail.length <= STDERR_TAIL_CHARS) return;
    tail = tail.slice(-STDERR_TAIL_CHARS);
    // Whole lines only: a JSON log line cut at its start would read as plain text.
    const newline = tail.indexOf('\n');
    if (newline !== -1 && newline < tail.length - 1) tail = tail.slice(newline + 1);
  });
  const exited = new Promise<SidecarExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stderrTail: tail }));
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? 'command not found; check `command` and PATH' : error.message;
      reject(
        new ChannelClosedError(`Cannot start the orchflow sidecar '${command.command}': ${hint}`, {
          cause: error,
        }),
      );
    });
    child.once('spawn', () => {
      const { stdin, stdout, pid } = child;
      if (!stdin || !stdout || pid === undefined) return;
      const codec = new ContentLengthCodec({ maxFrameBytes: command.maxFrameBytes });
      const channel = new StreamChannel({ readable: stdout, writable: stdin }, { codec });
      resolve({ child, pid, channel, exited });
    });
  });
}

/** Lines of a dead sidecar's stderr quoted in its exit report. */
const QUOTED_STDERR_LINES = 3;

// pino's levels (the server logs JSON lines when its stderr is not a terminal) and the words of
// its human format (`12:03:04 INFO  listening …`): below warn, a line says nothing about a death.
const WARN_LEVEL = 40;
const LEVEL_NAMES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  warning: 40,
  error: 50,
  fatal: 60,
};
const HUMAN_LINE = /^\d{2}:\d{2}:\d{2} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b\s*(.*)$/;

/** One stderr line as a level (undefined for plain text) and the text worth quoting. */
function readLogLine(line: string): { level: number | undefined; text: string } {
  const human = HUMAN_LINE.exec(line);
  if (human) return { level: LEVEL_NAMES[(human[1] ?? '').toLowerCase()], text: human[2] ?? '' };
  if (!line.startsWith('{')) return { level: undefined, text: line };
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { level: undefined, text: line };
  }
  if (typeof record !== 'object' || record === null) return { level: undefined, text: line };
  const { level, msg, message, err } = record as Record<string, unknown>;
  const numeric =
    typeof level === 'number' ? level : typeof level === 'string' ? LEVEL_NAMES[level] : undefined;
  const said = typeof msg === 'string' ? msg : typeof message === 'string' ? message : undefined;
  const errorText =
    typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string'
      ? (err as { message: string }).message
      : undefined;
  const text = [said, errorText].filter((part) => part !== undefined && part !== '').join(': ');
  return { level: numeric, text: text || line };
}

/**
 * What of a dead sidecar's stderr tail is worth quoting in its exit report: its last warning and
 * error lines (the message of a JSON or human log line; plain text, such as a usage error, as it
 * is), at most three, joined by ` | `. Info and debug log lines (`listening`, `connection opened`)
 * are left out, so a sidecar that only logged those quotes nothing.
 */
export function stderrSummary(tail: string): string {
  return tail
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(readLogLine)
    .filter(({ level }) => level === undefined || level >= WARN_LEVEL)
    .slice(-QUOTED_STDERR_LINES)
    .map(({ text }) => text)
    .join(' | ');
}

/** Waits up to `graceMs` for a clean exit, then SIGTERM, then SIGKILL. */
export async function stopSidecar(sidecar: SidecarProcess, graceMs: number): Promise<SidecarExit> {
  await sidecar.channel.close();
  for (const signal of [undefined, 'SIGTERM', 'SIGKILL'] as const) {
    if (signal) sidecar.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), graceMs);
    });
    const exit = await Promise.race([sidecar.exited, timeout]);
    clearTimeout(timer);
    if (exit) return exit;
  }
  return sidecar.exited;
}
