// What the MCP server remembers about one terminal between tool calls: its live output (end
// offset, time of the last byte, a bounded window of recent text for `terminal_wait` patterns)
// and the command in flight. A `terminal_run` that yields leaves its execute promise here, so a
// later `terminal_wait`/`terminal_read` picks the same command up: no handle is ever lost.
import type { RemoteTerminal } from '@orchflow/client';
import type { Disposer, ExecResult, TerminalActivity } from '@orchflow/protocol';
import { builtinTextRedaction, plainText } from './output';
import { PATTERN_WINDOW_CHARS } from './pattern';

/** A command started by `terminal_run`, running or finished. */
export interface CommandRecord {
  command: string;
  startedAt: number;
  /** Scrollback offset where its output starts. */
  startOffset: number;
  /** Aborting interrupts the command (SIGINT, then the terminal's timeout escalation). */
  readonly abort: AbortController;
  /** Settles when the command ends; never rejects (see `result`/`error`). */
  readonly settled: Promise<void>;
  result?: ExecResult;
  error?: unknown;
  /** Scrollback end offset once the command ended. */
  endOffset?: number;
  /** When it ended (ms since epoch): idle expiry counts from here too. */
  endedAt?: number;
  /** True once an MCP cancellation interrupted it. */
  cancelled?: boolean;
}

/** How often {@link TerminalRecord.untilIdle} asks the server. */
const IDLE_POLL_MS = 100;

interface Chunk {
  offset: number;
  data: string;
}

/** Live state of one terminal the MCP server drives. */
export class TerminalRecord {
  /** One past the newest output byte seen. */
  endOffset = 0;
  /** When the last output arrived (ms since epoch). */
  lastOutputAt = Date.now();
  /** Offset up to which this agent has been shown output (`next_offset` of the last answer). */
  cursor = 0;
  /** The shell's working directory as last reported. */
  cwd = '';
  /** The command in flight, or the last one that ran. */
  current: CommandRecord | undefined;
  private window: Chunk[] = [];
  private windowChars = 0;
  private readonly changeListeners = new Set<() => void>();
  private readonly watchers = new Set<(ended: boolean) => void>();
  private stopOutput: Disposer | undefined;
  private stopActivity: Disposer | undefined;
  /** The terminal's activity as last reported (absent when the server does not report it). */
  private activity: TerminalActivity | undefined;
  /** When input was last written through this record (ms since epoch). */
  lastInputAt = 0;
  private disposed = false;

  private constructor(
    readonly terminal: RemoteTerminal,
    private readonly redactText: (terminalId: string, text: string) => string,
  ) {
    this.cwd = terminal.info().cwd ?? '';
  }

  /**
   * Opens the live output feed of `terminal` and learns where its output ends. `redactText`
   * redacts the plain text made from its output (default: the built-in patterns).
   */
  static async open(
    terminal: RemoteTerminal,
    redactText: (terminalId: string, text: string) => string = builtinTextRedaction,
  ): Promise<TerminalRecord> {
    const record = new TerminalRecord(terminal, redactText);
    record.stopOutput = await terminal.onOutput((chunk) => record.onChunk(chunk));
    await record.watchActivity();
    const page = await terminal.read({ maxBytes: 1 });
    record.endOffset = Math.max(record.endOffset, page.endOffset);
    record.cursor = record.endOffset;
    return record;
  }

  /** The terminal's id. */
  get id(): string {
    return this.terminal.id;
  }

  /**
   * `raw` output as plain text (see {@link plainText}), redacted again: removing colour codes or a
   * bare `\r` can join a secret whose bytes they kept apart, which the terminal's own redaction
   * of its bytes could not see.
   */
  plain(raw: string): string {
    return this.redactText(this.id, plainText(raw));
  }

  /**
   * True once the terminal exited (as its activity reported, or as its last command's result said:
   * that arrives before the exit event, and a run right after must not pick this shell) or the
   * record was disposed.
   */
  get exited(): boolean {
    return (
      this.disposed || this.activity?.activity === 'exited' || this.current?.result?.shellExited === true
    );
  }

  /** True while a command started here has not ended. */
  get busy(): boolean {
    const current = this.current;
    return current !== undefined && current.result === undefined && current.error === undefined;
  }

  /**
   * Set while a `terminal_run` call that chose this terminal prepares its command (the `cd` to its
   * `cwd`), before {@link busy} holds: no other run may choose it meanwhile, or the two `cd`s
   * interleave and a command runs in the other call's directory.
   */
  claimed = false;

  /** True when a new `terminal_run` may use it: no command in flight, none being prepared. */
  get free(): boolean {
    return !this.busy && !this.claimed && !this.exited && this.terminal.info().state !== 'exited';
  }

  /** True while a call waits on this terminal ({@link TerminalRecord.changed} not yet settled). */
  get held(): boolean {
    return this.changeListeners.size > 0;
  }

  /** Resolves at the next output chunk or command end (whichever is first). */
  changed(): { promise: Promise<void>; cancel: () => void } {
    let listener: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      listener = resolve;
      this.changeListeners.add(listener);
    });
    return { promise, cancel: () => this.changeListeners.delete(listener) };
  }

  /**
   * Calls `listener(false)` at each output chunk and `listener(true)` once when the terminal exits
   * or the record is disposed (then it is dropped). Unlike {@link TerminalRecord.changed} it does
   * not count as a held call. Returns the function that stops it.
   */
  watch(listener: (ended: boolean) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Wakes waiters (called when a command settles). */
  notifyChange(): void {
    for (const listener of [...this.changeListeners]) listener();
    this.changeListeners.clear();
  }

  /** Raw output retained in the window from `fromOffset` on (bounded by the window). */
  recentOutput(fromOffset: number): string {
    let text = '';
    for (const chunk of this.window) {
      const end = chunk.offset + Buffer.byteLength(chunk.data);
      if (end <= fromOffset) continue;
      text +=
        chunk.offset >= fromOffset
          ? chunk.data
          : Buffer.from(chunk.data)
              .subarray(fromOffset - chunk.offset)
              .toString('utf8');
    }
    return text;
  }

  /**
   * True when the command in flight is blocked reading the terminal (from the kernel, via the
   * server's `terminal.activity`). A state that began before the last input written here is stale:
   * that input may be what the program is reading right now.
   */
  get awaitingInput(): boolean {
    const activity = this.activity;
    if (activity?.activity !== 'awaiting_input' || !this.busy) return false;
    // Only a wait the server counted (seen unchanged for a moment: `waitingSince`), begun after
    // the last input written here. An uncounted one may be the shell at its next prompt with the
    // command's done marker not yet read (under load), and `terminal_run` would hand back a
    // finished command as awaiting input; a server without `waitingSince` reports none, as one
    // without `terminal.activity` does, rather than a guessed one.
    const since = activity.waitingSince === undefined ? Number.NaN : Date.parse(activity.waitingSince);
    return !Number.isNaN(since) && since > this.lastInputAt;
  }

  /**
   * A command starts here: a reported wait for input belongs to the one before (an interrupted
   * prompt whose end was not reported yet) and must not make the new one look awaiting input.
   */
  commandStarting(): void {
    if (this.activity?.activity === 'awaiting_input') this.activity = undefined;
  }

  /**
   * Resolves once the terminal no longer runs a command (back at its prompt, or exited), asking
   * the server every `IDLE_POLL_MS` (100 ms); after `timeoutMs` at the latest, and at once when the
   * server does not report activity.
   */
  async untilIdle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.stopActivity && !this.disposed) {
      await this.refreshActivity();
      const activity = this.activity?.activity;
      if ((activity !== 'running' && activity !== 'awaiting_input') || Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  }

  /** Asks the server for the activity now (after writing input, notifications may lag). */
  async refreshActivity(): Promise<void> {
    if (!this.stopActivity) return;
    this.activity = await this.terminal.activity().catch(() => this.activity);
  }

  /** Stops the live feed. */
  dispose(): void {
    this.disposed = true;
    this.stopOutput?.dispose();
    this.stopOutput = undefined;
    this.stopActivity?.dispose();
    this.stopActivity = undefined;
    this.notifyChange();
    this.endWatchers();
  }

  private endWatchers(): void {
    const watchers = [...this.watchers];
    this.watchers.clear();
    for (const watcher of watchers) watcher(true);
  }

  // Servers without `terminal.activity` (older ones) still get every other tool; then no
  // `awaiting_input` is ever reported rather than a guessed one.
  private async watchActivity(): Promise<void> {
    try {
      this.stopActivity = await this.terminal.onActivity((activity) => {
        this.activity = activity;
        this.notifyChange();
        if (activity.activity === 'exited') this.endWatchers();
      });
      this.activity = await this.terminal.activity();
    } catch {
      this.stopActivity?.dispose();
      this.stopActivity = undefined;
    }
  }

  private onChunk(chunk: Chunk): void {
    this.endOffset = Math.max(this.endOffset, chunk.offset + Buffer.byteLength(chunk.data));
    this.lastOutputAt = Date.now();
    this.window.push(chunk);
    this.windowChars += chunk.data.length;
    while (this.windowChars > PATTERN_WINDOW_CHARS && this.window.length > 1) {
      this.windowChars -= (this.window.shift() as Chunk).data.length;
    }
    this.notifyChange();
    for (const watcher of this.watchers) watcher(false);
  }
}
