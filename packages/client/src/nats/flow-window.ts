// Flow control of one NATS session, node → client. NATS itself has none: a publisher never waits
// for a subscriber, so a node streaming output to a client (or a gateway) that reads slower than
// the terminal writes would pile the difference up in that client's memory. With a window, the
// receiving side acknowledges the bytes its reader has taken (`Orchflow-Ack: <total>`) and the
// sending side keeps at most `windowBytes` unacknowledged; `send()` waits beyond that. The wait
// is what core's subscription flow control already understands: the terminal is paused and, if
// the reader stays stuck past the stall limit, demoted to lossy delivery with a gap notice — as
// for a slow WebSocket client. Both ends agree on it when the session opens (see sessions.ts).
import { ChannelClosedError } from '@orchflow/protocol/runtime';

/** Default window a client asks for: 4 MiB in flight per session. */
export const DEFAULT_FLOW_WINDOW_BYTES = 4 * 1024 * 1024;
/** Smallest window a session may agree on. */
export const MIN_FLOW_WINDOW_BYTES = 64 * 1024;
/** Largest window a session may agree on. */
export const MAX_FLOW_WINDOW_BYTES = 256 * 1024 * 1024;

/**
 * Most messages that may wait for room in one session. Output waits one message per subscription
 * (core sends the next chunk once the last one went), answers one per request in flight; a peer
 * that keeps sending requests while acknowledging nothing would queue answers without end, so past
 * this the session ends.
 */
export const MAX_WAITING_SENDS = 1024;

/**
 * Most bytes that may wait for room in one session (16 MiB, what a WebSocket server buffers for a
 * client that does not read). Answers to requests in flight wait too, and each may be large (a
 * `terminal.read` of a big scrollback): a peer that asks for many and acknowledges nothing would
 * make the sender hold hundreds of MiB per session, so past this the session ends. One message
 * alone may be larger (nothing else waits then): it must still go.
 */
export const MAX_WAITING_BYTES = 16 * 1024 * 1024;

/** The sender's side: how many bytes are unacknowledged, and who waits for room. */
export class SendWindow {
  private sent = 0;
  private acked = 0;
  private readonly waiting: { resolve(): void; reject(error: Error): void }[] = [];
  /** A waiter was let go and has not published yet: nobody may overtake it. */
  private releasing = false;
  private failure: Error | undefined;
  /** When the peer last acknowledged something, or senders began to wait (ms since the epoch). */
  private progressAt = Date.now();

  constructor(private readonly windowBytes: number) {}

  /** Messages waiting for room. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** How long senders have waited without the peer acknowledging anything (0 when nobody waits). */
  stalledMs(now: number = Date.now()): number {
    return this.waiting.length === 0 ? 0 : now - this.progressAt;
  }

  /** Bytes sent and not yet acknowledged. */
  get inFlight(): number {
    return this.sent - this.acked;
  }

  /** True when a message may go now: there is room and nobody waits before it. */
  get open(): boolean {
    return (
      this.failure === undefined &&
      !this.releasing &&
      this.waiting.length === 0 &&
      this.inFlight < this.windowBytes
    );
  }

  /**
   * Resolves when the caller's message may go, in arrival order, as acknowledgements make room;
   * the caller then publishes at once and calls {@link done}. One message may overshoot the
   * window (a message larger than the window must still go), so it never deadlocks.
   */
  wait(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting.length === 0) this.progressAt = Date.now();
    const turn = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.release();
    return turn;
  }

  /** The caller published `bytes` (0 when it gave up); lets the next waiter go if there is room. */
  done(bytes: number): void {
    this.sent += bytes;
    this.releasing = false;
    this.release();
  }

  /** Takes the peer's acknowledgement of `total` bytes consumed so far; lets waiters go. */
  ack(total: number): void {
    if (!Number.isSafeInteger(total) || total <= this.acked) return;
    // A peer cannot acknowledge what was never sent; clamp rather than grow the window.
    this.acked = Math.min(total, this.sent);
    this.progressAt = Date.now();
    this.release();
  }

  /** Fails every waiter (the session ended). */
  fail(error: Error = new ChannelClosedError()): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  // One waiter at a time: the next may go only once this one counted its bytes.
  private release(): void {
    if (this.releasing || this.inFlight >= this.windowBytes) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.releasing = true;
    next.resolve();
  }
}

/** The receiver's side: bytes its reader took, and when to acknowledge them. */
export class AckCounter {
  private consumedBytes = 0;
  private lastAck = 0;
  private readonly sizes = new WeakMap<object, number>();

  constructor(
    /** Acknowledge after this many new bytes (a quarter of the window). */
    private readonly everyBytes: number,
    private readonly sendAck: (total: number) => void,
  ) {}

  /** Remembers the wire size of a message the channel queued. */
  queued(message: object, bytes: number): void {
    this.sizes.set(message, bytes);
  }

  /** Counts bytes consumed without a reader (a message dropped by a limit, or not an object). */
  consumed(bytes: number): void {
    this.consumedBytes += bytes;
    this.maybeAck();
  }

  /** Counts a message the reader took; acknowledges when enough has gathered. */
  taken(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const bytes = this.sizes.get(message);
    if (bytes === undefined) return;
    this.sizes.delete(message);
    this.consumed(bytes);
  }

  private maybeAck(): void {
    if (this.consumedBytes - this.lastAck < this.everyBytes) return;
    this.lastAck = this.consumedBytes;
    this.sendAck(this.consumedBytes);
  }
}
