// The sidecar index of one recording file (`<file>.cast.index.json`, shape in the #16 contract):
// the commands that ended in it, each with the byte offset and time of its start marker, so a tool
// jumps straight to "the command that failed". Rewritten atomically (a temporary file renamed over
// it): a reader sees the old index or the new one, never half of one. The whole index is rewritten
// each time, so it is written at most once per INDEX_WRITE_INTERVAL_MS (a command that ends after a
// quiet second is indexed at once; a burst of commands waits for the next write) and when the file
// closes — and a large index less often still (one second per INDEX_BYTES_PER_SECOND of it), so a
// terminal that runs commands for hours does not spend ever more of each second rewriting it. Each
// command is serialised once, when it is added. The index is a shortcut, never the truth: readers
// also scan the markers after its last entry, so an index a crash left behind (or one not yet
// rewritten) is still right about what it lists.
import { renameSync, writeFileSync } from 'node:fs';
import type { CastFormat } from './asciicast';
import { indexPathFor } from './directory';

/** Shortest time between two rewrites of an index, in ms. */
export const INDEX_WRITE_INTERVAL_MS = 1000;
/** Index bytes per second of wait between rewrites, once an index is over this size. */
export const INDEX_BYTES_PER_SECOND = 1024 * 1024;

/** One command of a recording's index. */
export interface IndexedCommand {
  /** 1-based number of the command in this file. */
  n: number;
  command: string;
  cwd?: string;
  exitCode: number | null;
  durationMs: number;
  /** ISO time the command started. */
  startedAt: string;
  /** Seconds since the recording started, at its start marker. */
  time: number;
  /** File byte offset of its start marker event line. */
  byteOffset: number;
}

/** What an index reports after each write: the change in its size, or the error that stopped it. */
export interface IndexListener {
  /** Called before each rewrite: the recording writes the lines the index is about to point at. */
  beforeWrite(): void;
  written(delta: number): void;
  failed(error: Error): void;
}

/** The commands of one recording file, and their index file. */
export class CommandIndex {
  /** Each command's JSON, made once. */
  private readonly entries: string[] = [];
  private size = 0;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;
  private closed = false;

  /** The index of the recording at `castPath`. */
  constructor(
    private readonly castPath: string,
    private readonly format: CastFormat,
    private readonly terminalId: string,
    private readonly agentId: string,
    private readonly listener: IndexListener,
  ) {}

  /** Path of the index file. */
  get path(): string {
    return indexPathFor(this.castPath);
  }

  /** Bytes of the index file as last written. */
  get bytes(): number {
    return this.size;
  }

  /** Adds an ended command; the file is rewritten now or within INDEX_WRITE_INTERVAL_MS. */
  add(command: IndexedCommand): void {
    if (this.closed) return;
    this.entries.push(JSON.stringify(command));
    this.dirty = true;
    const wait = this.lastWrite + this.interval() - performance.now();
    if (wait <= 0) this.write();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.write();
      }, wait);
      this.timer.unref?.();
    }
  }

  /** Time between two rewrites: INDEX_WRITE_INTERVAL_MS, longer for an index over 1 MiB. */
  private interval(): number {
    return Math.max(INDEX_WRITE_INTERVAL_MS, (this.size / INDEX_BYTES_PER_SECOND) * 1000);
  }

  /** Writes what is pending; no more commands are taken. */
  close(): void {
    if (this.closed) return;
    this.write();
    this.closed = true;
  }

  private write(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.lastWrite = performance.now();
    this.listener.beforeWrite();
    // Writing the recording failed and closed it (and this index) meanwhile.
    if (this.closed) return;
    const head = JSON.stringify({
      version: 1,
      format: this.format === 'v2' ? 'asciicast-v2' : 'asciicast-v3',
      terminalId: this.terminalId,
      agentId: this.agentId,
    });
    // The same document JSON.stringify would make of { …head, commands }.
    const text = `${head.slice(0, -1)},"commands":[${this.entries.join(',')}]}\n`;
    const tmp = `${this.path}.tmp`;
    try {
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (error) {
      this.closed = true;
      this.listener.failed(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const before = this.size;
    this.size = Buffer.byteLength(text);
    this.listener.written(this.size - before);
  }
}
