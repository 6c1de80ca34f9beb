// Everything a terminal does with its output: keep it in the scrollback ring (readable by
// offset), batch it for listeners, stream it to flow-controlled subscribers, and render it on a
// headless screen for snapshots — the screen only once someone asks for a snapshot.
import type { Disposer, OutputChunk, ReadResult, Snapshot } from '@orchflow/protocol';
import { disposer, ErrorCode, OrchflowError } from '@orchflow/protocol';
import { DEFAULT_BATCH_INTERVAL_MS, DEFAULT_BATCH_MAX_BYTES, OutputBatcher } from './batcher';
import { attachRawOutput, defineLazyData, lazyText } from './raw-output';
import { OutputRing, type RingReadOptions } from './ring';
import { HeadlessScreen } from './screen';
import {
  type OutputStreamStats,
  type StreamEvent,
  type SubscribeOptions,
  SubscriberSet,
  type Subscription,
} from './subscribers';

/** Default scrollback retained per terminal. */
export const DEFAULT_SCROLLBACK_BYTES = 1024 * 1024;

/** Options for {@link OutputPipeline}. */
export interface OutputPipelineOptions {
  /** Bytes of output retained for `read()` and backlog replay. Default 1 MiB. */
  scrollbackBytes?: number;
  /** Screen columns for snapshots. Default 80. */
  cols?: number;
  /** Screen rows for snapshots. Default 24. */
  rows?: number;
  /** Called when a manual-ack subscriber fell a high watermark behind: stop producing. */
  onPause?: () => void;
  /** Called when every manual-ack subscriber is back under its low watermark. */
  onResume?: () => void;
  /** Longest time output waits before listeners get it. Default 16 ms. */
  batchIntervalMs?: number;
}

/** The output side of one terminal: scrollback, batching, subscribers and screen. */
export class OutputPipeline {
  private readonly ring: OutputRing;
  private readonly batcher: OutputBatcher;
  private readonly subscribers: SubscriberSet;
  private readonly dataListeners = new Set<(chunk: OutputChunk) => void>();
  private screen: HeadlessScreen | undefined;
  /** The screen as it was when output ended; the emulator itself is released then. */
  private finalScreen: Promise<Snapshot> | undefined;
  private cols: number;
  private rows: number;
  private isEnded = false;

  /** An empty pipeline at offset 0. */
  constructor(options: OutputPipelineOptions = {}) {
    this.ring = new OutputRing(options.scrollbackBytes ?? DEFAULT_SCROLLBACK_BYTES);
    this.cols = options.cols ?? 80;
    this.rows = options.rows ?? 24;
    this.batcher = new OutputBatcher({
      intervalMs: options.batchIntervalMs ?? DEFAULT_BATCH_INTERVAL_MS,
      // A small ring flushes sooner, so unflushed output never rotates out before listeners see it.
      maxBytes: Math.max(1, Math.min(DEFAULT_BATCH_MAX_BYTES, Math.floor(this.ring.capacity / 4))),
      onFlush: (bytes, offset) => this.onFlush(bytes, offset),
    });
    this.subscribers = new SubscriberSet(
      {
        ring: this.ring,
        flushedOffset: () => this.batcher.flushedOffset,
        ended: () => this.isEnded,
      },
      { onPause: options.onPause, onResume: options.onResume },
    );
  }

  /** Offset one past the last byte pushed (counts bytes not yet flushed to listeners). */
  get endOffset(): number {
    return this.ring.endOffset;
  }

  /** Offset of the oldest byte still retained. */
  get startOffset(): number {
    return this.ring.startOffset;
  }

  /** True while flow control wants the producer paused. */
  get paused(): boolean {
    return this.subscribers.paused;
  }

  /** Output bytes, subscribers, gaps and flow-control pauses so far: plain counters, read on demand. */
  streamStats(): OutputStreamStats {
    const { size, gaps, pauses } = this.subscribers;
    return { bytes: this.ring.endOffset, subscribers: size, gaps, flowControlPauses: pauses };
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Adds output. The array is kept until the next flush, so the caller must not reuse it. */
  push(bytes: Uint8Array): void {
    if (this.isEnded) {
      throw new OrchflowError(ErrorCode.InvalidState, 'Output was pushed after end(); end() must come last');
    }
    if (bytes.length === 0) return;
    this.ring.append(bytes);
    this.screen?.write(bytes);
    this.batcher.push(bytes);
    this.subscribers.evaluate();
  }

  /**
   * Hands listeners and subscribers everything that waits for batching now, an incomplete last
   * character too, instead of at the batch timer: a command's result is settled only after its
   * output has reached them (and no character continues past a command's end).
   */
  flush(): void {
    if (!this.isEnded) this.batcher.flushAll();
  }

  /** Flushes all output synchronously (an incomplete last character too) and ends subscriptions. */
  end(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.batcher.end();
    this.subscribers.dispatch();
    // No more output can change the screen: keep its last state and free the emulator.
    const screen = this.screen;
    if (screen) {
      this.screen = undefined;
      this.finalScreen = screen.snapshot().finally(() => screen.dispose());
    }
  }

  /** A page of retained output by offset (see {@link OutputRing.read}). */
  read(options: RingReadOptions = {}): ReadResult {
    return this.ring.read(options);
  }

  /** A copy of the retained raw bytes in [from, to). */
  readBytes(from: number, to: number): Uint8Array {
    return this.ring.readBytes(from, to);
  }

  /** Streams output from an offset, with optional flow control (see {@link SubscribeOptions}). */
  subscribe(options: SubscribeOptions, listener: (event: StreamEvent) => void): Subscription {
    return this.subscribers.add(options, listener);
  }

  /** Calls `listener` with every flushed chunk; not flow controlled and no backlog. */
  onData(listener: (chunk: OutputChunk) => void): Disposer {
    const own = (chunk: OutputChunk): void => listener(chunk);
    this.dataListeners.add(own);
    return disposer(() => void this.dataListeners.delete(own));
  }

  /**
   * The visible screen, reflecting all output pushed before this call. After end() it is the
   * last screen: kept from the live emulator, or rendered once from the retained output.
   */
  snapshot(): Promise<Snapshot> {
    if (this.isEnded) {
      if (!this.finalScreen) {
        const screen = this.renderRetained();
        this.finalScreen = screen.snapshot().finally(() => screen.dispose());
      }
      return this.finalScreen.then((snap) => structuredClone(snap));
    }
    // Built on first use from the retained output, then kept fed by push().
    this.screen ??= this.renderRetained();
    return this.screen.snapshot();
  }

  private renderRetained(): HeadlessScreen {
    const screen = new HeadlessScreen(this.cols, this.rows);
    screen.write(this.ring.readBytes(this.ring.startOffset, this.ring.endOffset));
    return screen;
  }

  /** Changes the size used for snapshots. */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.screen?.resize(cols, rows);
  }

  /** Releases the screen and all listeners; the scrollback stays readable. */
  dispose(): void {
    this.screen?.dispose();
    this.screen = undefined;
    this.finalScreen = undefined;
    this.dataListeners.clear();
  }

  private onFlush(bytes: Uint8Array, offset: number): void {
    if (this.dataListeners.size === 0 && this.subscribers.size === 0) return;
    // Decoded only if a listener reads `data`, once for all of them (see raw-output.ts).
    const text = lazyText(bytes);
    if (this.dataListeners.size > 0) {
      // The bytes ride along for listeners that write them as they are (rawOutputOf).
      const chunk = defineLazyData({}, text) as OutputChunk;
      chunk.offset = offset;
      attachRawOutput(chunk, bytes);
      for (const listener of this.dataListeners) listener(chunk);
    }
    this.subscribers.dispatch({ offset, length: bytes.length, bytes, text });
  }
}
