// Output batching: a PTY delivers many small reads; listeners get them coalesced, at most
// `intervalMs` after the first byte of a burst (one timer per burst) or as soon as `maxBytes`
// accumulate. Emitted chunks always end on a UTF-8 character boundary, so each decodes on its own.
import { Buffer } from 'node:buffer';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { completePrefix } from './utf8';

/** Default flush delay: one 60 Hz frame. */
export const DEFAULT_BATCH_INTERVAL_MS = 16;
/** Default size that flushes without waiting for the timer. */
export const DEFAULT_BATCH_MAX_BYTES = 64 * 1024;

/** Options for {@link OutputBatcher}. */
export interface OutputBatcherOptions {
  /** Receives each coalesced chunk and the absolute offset of its first byte. */
  onFlush: (bytes: Uint8Array, offset: number) => void;
  /** Longest time a byte waits. Default {@link DEFAULT_BATCH_INTERVAL_MS}. */
  intervalMs?: number;
  /** Pending size that triggers an immediate flush. Default {@link DEFAULT_BATCH_MAX_BYTES}. */
  maxBytes?: number;
}

/** Coalesces pushed bytes into chunks that end on character boundaries. */
export class OutputBatcher {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly onFlush: OutputBatcherOptions['onFlush'];
  private readonly intervalMs: number;
  private readonly maxBytes: number;

  /** A batcher starting at offset 0. */
  constructor(options: OutputBatcherOptions) {
    this.onFlush = options.onFlush;
    this.intervalMs = options.intervalMs ?? DEFAULT_BATCH_INTERVAL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_BATCH_MAX_BYTES;
  }

  /** Offset one past the last byte emitted. */
  get flushedOffset(): number {
    return this.offset;
  }

  /** Queues bytes. The array is kept until the next flush, so the caller must not reuse it. */
  push(bytes: Uint8Array): void {
    if (this.ended) {
      throw new OrchflowError(ErrorCode.InvalidState, 'Output was pushed after end(); end() must come last');
    }
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.onTimer(), this.intervalMs);
  }

  /** Emits everything pending except an incomplete trailing character. */
  flush(): void {
    this.clearTimer();
    if (this.pendingBytes === 0) return;
    const all = this.takePending();
    const cut = completePrefix(all);
    if (cut < all.length) {
      this.pending = [all.slice(cut)];
      this.pendingBytes = all.length - cut;
    }
    if (cut > 0) this.emit(all.subarray(0, cut));
  }

  /**
   * Emits everything, including an incomplete trailing character: where nothing continues it (a
   * command ended; the next bytes are the shell's, or another process's).
   */
  flushAll(): void {
    this.clearTimer();
    if (this.pendingBytes > 0) this.emit(this.takePending());
  }

  /** Emits everything, including an incomplete trailing character; later pushes are errors. */
  end(): void {
    this.ended = true;
    this.flushAll();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.flush();
  }

  private takePending(): Uint8Array {
    const chunks = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    // Every byte is overwritten below, so the memory need not be zeroed first.
    const all = Buffer.allocUnsafe(total);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }

  private emit(bytes: Uint8Array): void {
    const offset = this.offset;
    this.offset += bytes.length;
    this.onFlush(bytes, offset);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
