// Offset-tracking stream subscribers with credit-based flow control. Subscribers own no queues:
// each has a cursor into the ring and is handed data from the ring (or the chunk just flushed),
// so memory stays bounded by the ring whatever subscribers do. A manual-ack subscriber gets at
// most `highWaterMark` unacknowledged bytes; the producer is paused while any such subscriber is
// that far behind and resumed once all are back under their low watermark.
import { ErrorCode, OrchflowError, type OutputChunk } from '@orchflow/protocol';
import { defineLazyData, lazyText } from './raw-output';
import type { OutputRing } from './ring';

/** Default credit of a manual-ack subscriber. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
// 64 KiB: backlog replays are cut into pieces the size of a full batch.
const REPLAY_CHUNK_BYTES = 64 * 1024;

/** A piece of output delivered to a subscriber. */
export interface DataEvent extends OutputChunk {
  type: 'data';
  /** Offset one past the chunk's last byte: where the next chunk starts, and what to `ack()`. */
  nextOffset: number;
  /**
   * The chunk's raw bytes ([offset, nextOffset)) where the producer has them — a terminal's
   * subscribers always do, live or replayed; `data` is then decoded from them on first read. Must
   * not be modified.
   */
  bytes?: Uint8Array;
}
/** Output in [from, to) rotated out of the ring before this subscriber read it. */
export interface GapNotice {
  type: 'gap';
  from: number;
  to: number;
}
/** The stream ended at `offset`; nothing follows. */
export interface EndNotice {
  type: 'end';
  offset: number;
}
/** What a subscriber receives. */
export type StreamEvent = DataEvent | GapNotice | EndNotice;

/** Options for a subscription. */
export interface SubscribeOptions {
  /** First byte wanted; older retained output is replayed first. Default: live output only. */
  fromOffset?: number;
  /** Consumption is reported with `ack()`; enables flow control. Default false. */
  manualAck?: boolean;
  /** Unacknowledged bytes at which delivery stops and the producer pauses. Default 1 MiB. */
  highWaterMark?: number;
  /** Unacknowledged bytes at or below which the producer resumes. Default half the high mark. */
  lowWaterMark?: number;
  /**
   * False: the credit limits only this subscriber's own delivery and never pauses the producer;
   * output it falls behind on may rotate out of the ring and then arrives as a gap. Default true.
   */
  holdsProducer?: boolean;
}

/** A live subscription. */
export interface Subscription {
  /** Reports that everything before `offset` was consumed (manual-ack subscribers). */
  ack(offset: number): void;
  /** Stops delivery; may resume a producer this subscriber was holding back. */
  dispose(): void;
}

/** Cumulative counts of one output stream, for metrics (see `Terminal.streamStats`). */
export interface OutputStreamStats {
  /** Bytes of output so far (the scrollback's end offset). */
  bytes: number;
  /** Subscribers right now. */
  subscribers: number;
  /** Gap notices delivered so far (output rotated out before a subscriber read it). */
  gaps: number;
  /** Times flow control paused the producer so far (a manual-ack subscriber fell behind). */
  flowControlPauses: number;
}

/** What subscribers read from. */
export interface StreamSource {
  readonly ring: OutputRing;
  /** End of the output that has been flushed (what subscribers may see). */
  flushedOffset(): number;
  /** True once the producer has ended; subscribers then get an end notice. */
  ended(): boolean;
}

/**
 * Output for a subscriber: the chunk just flushed (handed out directly to subscribers exactly at
 * its start), or a page read back from the ring.
 */
export interface FreshChunk {
  offset: number;
  length: number;
  /** Its bytes; nothing writes to them afterwards. */
  bytes: Uint8Array;
  /** Their text, decoded on first call and shared by every subscriber. */
  text: () => string;
}

interface Subscriber {
  listener: (event: StreamEvent) => void;
  cursor: number;
  acked: number;
  manualAck: boolean;
  holdsProducer: boolean;
  highWaterMark: number;
  lowWaterMark: number;
  disposed: boolean;
  pumping: boolean;
  again: boolean;
  endSent: boolean;
}

/** The subscribers of one output stream and the flow-control state they produce. */
export class SubscriberSet {
  private readonly subscribers = new Set<Subscriber>();
  private pausedState = false;
  /** Gap notices delivered so far (to any subscriber); counted for metrics, rare by nature. */
  gaps = 0;
  /** Times flow control paused the producer so far. */
  pauses = 0;

  /** Subscribers reading `source`; `onPause`/`onResume` drive the producer. */
  constructor(
    private readonly source: StreamSource,
    private readonly flow: { onPause?: () => void; onResume?: () => void } = {},
  ) {}

  /** True while flow control holds the producer paused. */
  get paused(): boolean {
    return this.pausedState;
  }

  /** Number of subscribers (0 means a flushed chunk need not even be decoded). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber; its backlog (and an end notice if ended) arrives after this returns. */
  add(options: SubscribeOptions, listener: (event: StreamEvent) => void): Subscription {
    const from = options.fromOffset ?? this.source.flushedOffset();
    if (!Number.isInteger(from) || from < 0 || from > this.source.ring.endOffset) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `fromOffset ${from} is outside the output written so far (0…${this.source.ring.endOffset}); omit it for live output`,
      );
    }
    const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 2);
    if (!(highWaterMark > 0) || !(lowWaterMark >= 0) || lowWaterMark >= highWaterMark) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Watermarks must satisfy 0 ≤ lowWaterMark < highWaterMark, got ${lowWaterMark} and ${highWaterMark}`,
      );
    }
    const sub: Subscriber = {
      listener,
      cursor: from,
      acked: from,
      manualAck: options.manualAck ?? false,
      holdsProducer: options.holdsProducer ?? true,
      highWaterMark,
      lowWaterMark,
      disposed: false,
      pumping: false,
      again: false,
      endSent: false,
    };
    this.subscribers.add(sub);
    this.evaluate();
    // Deferred so the listener can already use the returned handle (e.g. to ack).
    queueMicrotask(() => this.pump(sub));
    return {
      ack: (offset) => {
        if (sub.disposed || offset <= sub.acked) return;
        sub.acked = Math.min(offset, sub.cursor);
        this.evaluate();
        this.pump(sub);
      },
      dispose: () => {
        if (sub.disposed) return;
        sub.disposed = true;
        this.subscribers.delete(sub);
        this.evaluate();
      },
    };
  }

  /** Delivers newly flushed output to every subscriber that has credit for it. */
  dispatch(fresh?: FreshChunk): void {
    for (const sub of this.subscribers) this.pump(sub, fresh);
  }

  /** Re-checks the watermarks after output was pushed, acked, or a subscriber left. */
  evaluate(): void {
    const end = this.source.ring.endOffset;
    let over = false;
    let allUnder = true;
    for (const sub of this.subscribers) {
      if (!sub.manualAck || !sub.holdsProducer) continue;
      const behind = end - sub.acked;
      if (behind >= sub.highWaterMark) over = true;
      if (behind > sub.lowWaterMark) allUnder = false;
    }
    if (!this.pausedState && over) {
      this.pausedState = true;
      this.pauses++;
      this.flow.onPause?.();
    } else if (this.pausedState && allUnder) {
      this.pausedState = false;
      this.flow.onResume?.();
    }
  }

  private pump(sub: Subscriber, fresh?: FreshChunk): void {
    if (sub.disposed) return;
    if (sub.pumping) {
      // Re-entered from inside this subscriber's listener (e.g. it acked): loop, don't recurse.
      sub.again = true;
      return;
    }
    sub.pumping = true;
    try {
      do {
        sub.again = false;
        this.drain(sub, fresh);
      } while (sub.again && !sub.disposed);
    } finally {
      sub.pumping = false;
    }
  }

  private drain(sub: Subscriber, fresh: FreshChunk | undefined): void {
    const { ring } = this.source;
    for (;;) {
      const end = this.source.flushedOffset();
      const limit = sub.manualAck ? Math.min(end, sub.acked + sub.highWaterMark) : end;
      if (sub.disposed || sub.cursor >= limit) break;
      if (fresh && sub.cursor === fresh.offset && fresh.offset + fresh.length <= limit) {
        sub.cursor += fresh.length;
        sub.listener(dataEvent(fresh));
        continue;
      }
      const from = sub.cursor;
      const page = ring.readRaw({
        fromOffset: from,
        maxBytes: Math.min(limit - from, REPLAY_CHUNK_BYTES),
      });
      if (page.nextOffset <= from && !page.gap) break;
      sub.cursor = page.nextOffset;
      if (page.gap) {
        this.gaps++;
        sub.listener({ type: 'gap', from: page.gap.from, to: page.gap.to });
      }
      if (page.nextOffset > page.offset && !sub.disposed) {
        // Replayed output carries its bytes like live output: a transport that sends bytes sends
        // the ring's own (output that is not UTF-8 stays as it was), and the text is decoded only
        // if read.
        const { bytes, offset, nextOffset } = page;
        sub.listener(dataEvent({ bytes, offset, length: nextOffset - offset, text: lazyText(bytes) }));
      }
    }
    const end = this.source.flushedOffset();
    if (this.source.ended() && !sub.disposed && !sub.endSent && sub.cursor >= end) {
      sub.endSent = true;
      sub.listener({ type: 'end', offset: end });
    }
  }
}

/**
 * A data event whose `data` is decoded only if a listener reads it. `bytes` is not enumerable:
 * spreads, JSON and equality checks see `{ type, data, offset, nextOffset }`.
 */
function dataEvent(chunk: FreshChunk): DataEvent {
  const { text, bytes, offset, length } = chunk;
  const event: DataEvent = defineLazyData({ type: 'data' as const }, text) as DataEvent;
  event.offset = offset;
  event.nextOffset = offset + length;
  return Object.defineProperty(event, 'bytes', { value: bytes });
}
