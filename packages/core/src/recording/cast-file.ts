// One recording file being written: complete lines appended to a file descriptor through a small
// buffer (one reused Buffer that lines are encoded into once: no joined strings to collect). The
// buffer is written at least every FLUSH_INTERVAL_MS, when it holds BUFFER_BYTES (LARGE_BUFFER_BYTES
// while output streams), and whenever the recorder asks (before the index is rewritten, at exit), so
// memory stays bounded and a process killed at any moment leaves whole lines only: every write ends
// at a line end, and a write that failed half-way (ENOSPC writes what fits) is cut back to the last
// whole line before the file is given up. Writes are synchronous: they are small, go to the page
// cache, and keep lines in order without a queue whose memory a slow disk could grow.
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CastLine } from './asciicast';
import { writeJsonBytes } from './json-bytes';

/** Longest time a line waits in the buffer, in ms. */
export const FLUSH_INTERVAL_MS = 100;
/** Buffered bytes that are written at once, without waiting for the timer. */
export const BUFFER_BYTES = 16 * 1024;
/**
 * The same while output streams (the last write was a full buffer, not the timer's): a quarter of
 * the writes for the same bytes, whose kernel time is most of a recording's cost (~0.3 against
 * ~0.2 ms per MiB into ext4's page cache). A quiet file goes back to the small buffer.
 */
export const LARGE_BUFFER_BYTES = 64 * 1024;
/** Longest line written through the reused scratch buffer. */
export const SCRATCH_MAX_BYTES = 256 * 1024;

/** An append-only file of asciicast lines. */
export class CastFile {
  private fd: number | undefined;
  /** Written when it holds this many bytes: BUFFER_BYTES, or LARGE_BUFFER_BYTES while output streams. */
  private flushAt = BUFFER_BYTES;
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES * 2);
  // Reused for lines longer than `buffer` (a long output chunk) up to SCRATCH_MAX_BYTES; a longer
  // one (the scrollback written at the start, a large paste) gets a buffer of its own, so no file
  // keeps that much memory for its whole life.
  private scratch: Buffer | undefined;
  private pendingBytes = 0;
  /** Bytes safely in the file (each write ends at a line end). */
  private written = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bytes of lines appended since the timer was last armed. */
  private appended = 0;
  private error: Error | undefined;

  /**
   * Creates (or truncates) the file at `path`, its directory too; throws when it cannot be opened.
   * `onError` hears the first write error, after which the file takes no more lines.
   */
  constructor(
    readonly path: string,
    private readonly onError: (error: Error) => void,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'w', 0o600);
  }

  /** Bytes of the file once everything buffered is written. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /** The write error that stopped this file, if one did. */
  get failed(): Error | undefined {
    return this.error;
  }

  /** True while lines can be appended. */
  get open(): boolean {
    return this.fd !== undefined;
  }

  /**
   * Appends `line` (a string or its pieces; no newline in it, one is added) of `bytes` bytes (its
   * UTF-8 length plus the newline); returns the file offset where it starts, or -1 when the file
   * is closed or failed.
   */
  append(line: string | CastLine, bytes: number): number {
    if (this.fd === undefined) return -1;
    const at = this.size;
    this.appended += bytes;
    this.arm();
    if (this.pendingBytes + bytes > this.buffer.length) {
      if (!this.flush()) return -1;
      // A line longer than the buffer goes out on its own.
      if (bytes > this.buffer.length) {
        const out = bytes > SCRATCH_MAX_BYTES ? Buffer.allocUnsafe(bytes) : this.scratchOf(bytes);
        return this.writeOut(out.subarray(0, encodeLine(line, out, 0))) ? at : -1;
      }
    }
    this.pendingBytes = encodeLine(line, this.buffer, this.pendingBytes);
    if (this.pendingBytes >= this.flushAt) {
      if (!this.flush()) return -1;
      if (this.flushAt === BUFFER_BYTES) this.resize(LARGE_BUFFER_BYTES);
    }
    return at;
  }

  // One timer per interval while lines come, not one per write: it writes what is pending, and
  // gives a file that had less than BUFFER_BYTES of lines in the interval its small buffer back
  // (running once more after a stream stops, so that one does too).
  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const quiet = this.appended < BUFFER_BYTES;
      this.appended = 0;
      if (!this.flush() || this.flushAt === BUFFER_BYTES) return;
      if (quiet) this.resize(BUFFER_BYTES);
      else this.arm();
    }, FLUSH_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** A buffer that writes at `flushAt` bytes; only called with nothing pending. */
  private resize(flushAt: number): void {
    this.flushAt = flushAt;
    this.buffer = Buffer.allocUnsafe(flushAt * 2);
  }

  /** The reused scratch buffer, grown to hold `bytes`. */
  private scratchOf(bytes: number): Buffer {
    if (!this.scratch || this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(bytes);
    return this.scratch;
  }

  /** Writes the buffer; false when the file failed (now or before). */
  flush(): boolean {
    if (this.fd === undefined) return this.error === undefined;
    if (this.pendingBytes === 0) return true;
    const buffer = this.buffer.subarray(0, this.pendingBytes);
    this.pendingBytes = 0;
    return this.writeOut(buffer);
  }

  private writeOut(buffer: Buffer): boolean {
    if (this.fd === undefined) return false;
    let done = 0;
    try {
      while (done < buffer.length) done += writeSync(this.fd, buffer, done, buffer.length - done);
      this.written += buffer.length;
      return true;
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)), done > 0);
      return false;
    }
  }

  /** Writes what is buffered and closes the file; returns its final size. */
  close(): number {
    this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch {
        // Closing after a successful write cannot lose data that matters here.
      }
    }
    return this.written;
  }

  private fail(error: Error, partial: boolean): void {
    const fd = this.fd as number;
    this.fd = undefined;
    this.error = error;
    // A partial line would make the file invalid from there on: cut back to the last whole line.
    if (partial) {
      try {
        ftruncateSync(fd, this.written);
      } catch {
        // Nothing more can be done; a reader stops at the broken last line.
      }
    }
    try {
      closeSync(fd);
    } catch {
      // Already failing.
    }
    this.onError(error);
  }
}

/** Writes `line` and its newline into `buffer` at `at` (which has room); returns the end. */
function encodeLine(line: string | CastLine, buffer: Buffer, at: number): number {
  let end = at;
  if (typeof line === 'string') end += buffer.write(line, end, 'utf8');
  else {
    for (const part of line) {
      if (typeof part === 'string') end += buffer.write(part, end, 'utf8');
      else end = writeJsonBytes(part, buffer, end);
    }
  }
  buffer[end] = 0x0a;
  return end + 1;
}
