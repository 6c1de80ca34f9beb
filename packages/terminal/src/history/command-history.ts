// A terminal's command history: a bounded ring of the commands its shell ran — `execute()`s and
// lines typed at the prompt — each recorded at its start and completed at its end. Listeners hear
// both moments, so a recorder (asciicast markers) can follow along without keeping its own copy.
import {
  COMMAND_HISTORY_LIMIT,
  type CommandRecord,
  type CommandSource,
  DEFAULT_HISTORY_LIMIT,
  type Disposer,
  disposer,
} from '@orchflow/protocol';

/** What a history listener hears: a command started (no exit code yet) or ended. */
export interface CommandEvent {
  type: 'start' | 'end';
  /** A copy of the record as of this moment. */
  record: CommandRecord;
}

/** A command in flight; `end` completes its record (later calls do nothing). */
export interface RunningCommand {
  end(exitCode: number | null): void;
}

interface Entry {
  record: CommandRecord;
  startedMs: number;
}

/** The newest {@link COMMAND_HISTORY_LIMIT} (by default) commands of one terminal, oldest first. */
export class CommandHistory {
  private readonly entries: Entry[] = [];
  private readonly listeners = new Set<(event: CommandEvent) => void>();

  /**
   * A history keeping the newest `capacity` commands; `redact` (the terminal's secret redaction)
   * is applied to each command text before it is recorded or heard by a listener.
   */
  constructor(
    private readonly capacity = COMMAND_HISTORY_LIMIT,
    private readonly redact?: (text: string) => string,
  ) {}

  /** Records a command that starts now; call `end` on the result when it ends. */
  start(command: string, source: CommandSource, cwd?: string): RunningCommand {
    const text = this.redact ? this.redact(command) : command;
    const record: CommandRecord = { command: text, startedAt: new Date().toISOString(), source };
    if (cwd !== undefined) record.cwd = cwd;
    const entry: Entry = { record, startedMs: performance.now() };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.emit('start', record);
    let ended = false;
    return {
      end: (exitCode) => {
        if (ended) return;
        ended = true;
        record.durationMs = Math.round(performance.now() - entry.startedMs);
        record.exitCode = exitCode;
        this.emit('end', record);
      },
    };
  }

  /** The newest `limit` commands (default {@link DEFAULT_HISTORY_LIMIT}), oldest first, as copies. */
  list(limit = DEFAULT_HISTORY_LIMIT): CommandRecord[] {
    const from = Math.max(0, this.entries.length - Math.max(0, Math.floor(limit)));
    return this.entries.slice(from).map((e) => ({ ...e.record }));
  }

  /** Calls `listener` when a command starts and when it ends. Listeners must not throw. */
  onCommand(listener: (event: CommandEvent) => void): Disposer {
    this.listeners.add(listener);
    return disposer(() => this.listeners.delete(listener));
  }

  private emit(type: CommandEvent['type'], record: CommandRecord): void {
    for (const listener of this.listeners) {
      try {
        listener({ type, record: { ...record } });
      } catch {
        // A listener's failure must not break the shell session that records.
      }
    }
  }
}
