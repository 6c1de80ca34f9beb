// `Terminal.activity()` and its change events. The kernel says who holds the terminal and who
// reads it (probe.ts); the terminal says which execute() is in flight (its text and start); the
// shell integration says whether that command is between its start and done markers — so a
// `read` the shell runs as the command counts as awaiting input, while the same read at its
// prompt is idle. Changes are found by polling, and only while something runs: a tick every
// ACTIVITY_POLL_MS while a command is in flight, a job holds the terminal, or input was typed
// in the last IDLE_GRACE_MS (a line typed by hand may start a job a moment later).
// `waitingSince` of `awaiting_input` is when *this* wait began: a program that takes an answer and
// asks again at once (faster than a poll) is a new wait, known by the reading process or how much
// it has read having changed (probe.ts `readProgress`). A wait whose reader has read nothing since
// keeps its time, so input written but not yet read never looks answered; a new one seen in the
// millisecond input was written counts as begun 1 ms later, after it. A wait counts once it
// has been seen unchanged for WAIT_STABLE_MS: an event-loop program (node's readline) also sits in
// epoll on the terminal for a moment between reading an answer and exiting, which is no question.
// Until then `waitingSince` stays the last counted wait's (or is absent).
import { type Disposer, disposer, type ExitInfo, type TerminalActivity } from '@orchflow/protocol';
import type { PipeRunner } from '../exec/pipe-runner';
import type { ShellSession } from '../exec/shell-session';
import { probeTerminal, readingOwnStdin, readProgress } from './probe';

/** Interval of the change poll while a terminal is busy: cheap (a few /proc reads), yet prompt for a UI. */
export const ACTIVITY_POLL_MS = 150;
/** How long a new wait for input must be seen unchanged before `waitingSince` reports it. */
export const WAIT_STABLE_MS = 300;
// A line typed by hand starts its job after the shell read and parsed it: keep looking this long.
const IDLE_GRACE_MS = 2000;
// Most commands kept to be heard running after they ended between two polls (see `unheard`).
const MAX_UNHEARD = 32;

/** One observation of a live terminal, without the terminal's bookkeeping (command, since). */
export interface ActivityObservation {
  /** The state, short of `exited` (which the terminal knows itself). */
  activity: 'idle' | 'running' | 'awaiting_input';
  /** The terminal's foreground process group, where there is a terminal and the kernel shows it. */
  foregroundPid?: number;
  /** With `awaiting_input`: the process blocked reading, when known. */
  readerPid?: number;
  /**
   * The reader is the shell itself, between its markers (`read x` as the command). A shell without
   * a line editor reads its next command line the same way, so this counts only once confirmed:
   * see ActivityTracker.current.
   */
  shellReads?: boolean;
}

/** Observes a live terminal; `inFlight` says whether an execute() runs on it. */
export type ActivitySource = (inFlight: boolean) => ActivityObservation;

/** A PTY shell's activity, from the kernel and the shell integration. */
export function ptyActivitySource(session: ShellSession): ActivitySource {
  return (inFlight) => {
    const { shellPid, commandRunning } = session.activityView();
    const view = shellPid === undefined ? undefined : probeTerminal(shellPid);
    // No kernel view (a container's shell, or the shell is going): only what orchflow typed.
    if (!view) return { activity: inFlight ? 'running' : 'idle' };
    const foregroundPid = view.foregroundPgid;
    const readerPid = view.readerPid;
    if (view.jobHolds)
      return view.readingTerminal
        ? { activity: 'awaiting_input', foregroundPid, readerPid }
        : { activity: 'running', foregroundPid };
    // The shell holds the terminal: its read is the command's (`read x`) only between the markers.
    if (commandRunning && view.readingTerminal)
      return { activity: 'awaiting_input', foregroundPid, readerPid, shellReads: true };
    return { activity: inFlight ? 'running' : 'idle', foregroundPid };
  };
}

/** Scripted mode: a command runs or not; it awaits input when it is blocked reading its stdin pipe. */
export function pipeActivitySource(runner: PipeRunner): ActivitySource {
  return () => {
    const pid = runner.pid;
    if (pid === undefined) return { activity: 'idle' };
    const readerPid = readingOwnStdin(pid);
    return readerPid === undefined ? { activity: 'running' } : { activity: 'awaiting_input', readerPid };
  };
}

/** Tracks one terminal's activity and tells listeners when it changes. */
export class ActivityTracker {
  private command: { text: string; since: number } | undefined;
  private exit: { info: ExitInfo; at: number } | undefined;
  /** The observation last seen and since when (for states no command explains). */
  private seen: { key: string; since: number } | undefined;
  /** The last wait for input that counted (seen unchanged WAIT_STABLE_MS): who read, how much, since when. */
  private wait: { readerPid: number | undefined; progress: number | undefined; since: number } | undefined;
  /** A wait seen but not yet for WAIT_STABLE_MS. */
  private candidate:
    | { readerPid: number | undefined; progress: number | undefined; since: number }
    | undefined;
  private last: TerminalActivity | undefined;
  /**
   * Commands started since the last change listeners heard, not yet heard running. One that
   * ends between two polls would otherwise never be reported, and a watcher counting commands
   * (the monitor's commands per minute) would miss every short one.
   */
  private unheard: { text: string; since: number }[] = [];
  private readonly listeners = new Set<(activity: TerminalActivity) => void>();
  private timer: NodeJS.Timeout | undefined;
  private kickedAt = 0;
  /** When input was last written (inputWritten). */
  private inputAt = 0;
  /** The shell was seen reading between its markers again after a turn of the event loop. */
  private shellReadConfirmed = false;
  private confirming = false;

  /** Tracks terminal `terminalId`, observed through `source`. */
  constructor(
    private readonly terminalId: string,
    private readonly source: ActivitySource,
  ) {}

  /** The terminal's activity now (reads /proc). */
  current(): TerminalActivity {
    const terminalId = this.terminalId;
    if (this.exit) {
      const { info, at } = this.exit;
      const since = new Date(at).toISOString();
      return { terminalId, activity: 'exited', since, exitCode: info.exitCode, signal: info.signal };
    }
    let { activity, foregroundPid, readerPid, shellReads } = this.source(this.command !== undefined);
    if (!shellReads) this.shellReadConfirmed = false;
    else if (!this.shellReadConfirmed) {
      // The shell reading between its markers may already sit at its next prompt, with the done
      // marker still unread in the PTY (a shell without a line editor reads its command line with
      // read(2), as `read x` does). Running, until it is seen so after a turn of the event loop
      // that reads the PTY's output.
      activity = 'running';
      readerPid = undefined;
      this.confirmShellRead();
    }
    const key = `${activity}:${foregroundPid ?? ''}`;
    if (this.seen?.key !== key) this.seen = { key, since: Date.now() };
    const command = activity === 'idle' ? undefined : this.command;
    const state: TerminalActivity = {
      terminalId,
      activity,
      since: new Date(command?.since ?? this.seen.since).toISOString(),
    };
    const waitingSince = this.waitSince(activity, readerPid);
    if (waitingSince !== undefined) state.waitingSince = new Date(waitingSince).toISOString();
    if (command) state.command = command.text;
    if (foregroundPid !== undefined) state.foregroundPid = foregroundPid;
    return state;
  }

  /**
   * When the last wait for input that counted began, while the terminal awaits input (undefined
   * otherwise, or before any wait counted).
   */
  private waitSince(
    activity: ActivityObservation['activity'],
    readerPid: number | undefined,
  ): number | undefined {
    if (activity !== 'awaiting_input') {
      this.candidate = undefined;
      return undefined;
    }
    const progress = readerPid === undefined ? undefined : readProgress(readerPid);
    const same = (w: { readerPid: number | undefined; progress: number | undefined } | undefined) =>
      w !== undefined && w.readerPid === readerPid && w.progress === progress;
    const now = Date.now();
    if (same(this.wait)) {
      this.candidate = undefined;
    } else if (!same(this.candidate)) {
      this.candidate = { readerPid, progress, since: Math.max(now, this.inputAt + 1) };
    } else if (this.candidate && now - this.candidate.since >= WAIT_STABLE_MS) {
      this.wait = this.candidate;
      this.candidate = undefined;
    }
    return this.wait?.since;
  }

  /**
   * Looks again once an I/O phase of the event loop has passed (two `setImmediate` turns): the
   * PTY's pending output, a done marker included, has been read by then.
   */
  private confirmShellRead(): void {
    if (this.confirming) return;
    this.confirming = true;
    setImmediate(() =>
      setImmediate(() => {
        this.confirming = false;
        if (this.exit || !this.source(this.command !== undefined).shellReads) return;
        this.shellReadConfirmed = true;
        if (this.listeners.size > 0) this.emitIfChanged();
      }),
    );
  }

  /** An execute() starts running `text`. */
  commandStarted(text: string): void {
    this.command = { text, since: Date.now() };
    if (this.listeners.size > 0 && this.unheard.length < MAX_UNHEARD) this.unheard.push(this.command);
    this.wait = undefined;
    this.candidate = undefined;
    this.kick();
  }

  /** The execute() in flight settled. */
  commandEnded(): void {
    this.command = undefined;
    this.wait = undefined;
    this.candidate = undefined;
    this.kick();
  }

  /**
   * Input was written: poll for a while (it may start a job), and a wait seen from now on began
   * after it — also when the program took the input and asked again within the same millisecond
   * (the write reaches the PTY at once), which `waitingSince`'s millisecond could not tell apart.
   */
  inputWritten(): void {
    this.inputAt = Date.now();
    this.kick();
  }

  /** Something may have started: poll for a while. */
  kick(): void {
    this.kickedAt = Date.now();
    this.schedule();
  }

  /** The terminal exited: tell listeners once and stop polling. */
  exited(info: ExitInfo): void {
    this.exit = { info, at: Date.now() };
    clearTimeout(this.timer);
    this.timer = undefined;
    this.emitIfChanged();
  }

  /** Calls `listener` with each new activity (not with the current one). */
  onChange(listener: (activity: TerminalActivity) => void): Disposer {
    if (this.listeners.size === 0) this.last = this.current();
    this.listeners.add(listener);
    this.schedule();
    return disposer(() => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      clearTimeout(this.timer);
      this.timer = undefined;
      this.unheard = [];
    });
  }

  private schedule(): void {
    if (this.timer || this.exit || this.listeners.size === 0) return;
    this.timer = setTimeout(() => this.tick(), ACTIVITY_POLL_MS);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.emitIfChanged();
    if (now.activity !== 'idle' || this.command || Date.now() - this.kickedAt < IDLE_GRACE_MS)
      this.schedule();
  }

  private emitIfChanged(): TerminalActivity {
    const now = this.current();
    // Commands that started and ended between two polls: heard running first, each once. The
    // one in flight is heard when a poll sees it run, or after it ended.
    const unheard = this.unheard;
    this.unheard = [];
    for (const command of unheard) {
      const since = new Date(command.since).toISOString();
      if (command === this.command) {
        if (now.command !== command.text || now.since !== since) this.unheard.push(command);
        continue;
      }
      this.tell({ terminalId: this.terminalId, activity: 'running', since, command: command.text });
    }
    const last = this.last;
    if (
      last?.activity === now.activity &&
      last.command === now.command &&
      last.foregroundPid === now.foregroundPid &&
      last.since === now.since &&
      last.waitingSince === now.waitingSince
    ) {
      return now;
    }
    this.tell(now);
    return now;
  }

  private tell(activity: TerminalActivity): void {
    this.last = activity;
    for (const listener of [...this.listeners]) {
      try {
        listener(activity);
      } catch {
        // A throwing listener must not stop the poll or the other listeners.
      }
    }
  }
}
