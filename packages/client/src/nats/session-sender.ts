// The sending side of one NATS session (session-wire.ts): everything this side publishes to the
// peer goes out here. A JSON-RPC message is one NATS message, or `Orchflow-Chunk` parts above
// `maxPayload` (chunking.ts); with `encodeOutput` a `terminal.output` notification goes as the
// WebSocket subprotocol's binary frame; one too large for the peer goes as the answer that
// replaces it. With a send window (flow-window.ts) a message waits, in order, until the peer has
// acknowledged enough of what was sent, and what waits is bounded: past MAX_WAITING_SENDS
// messages or MAX_WAITING_BYTES bytes the session ends, rather than hold without end what a peer
// that stopped acknowledging keeps asking for. Control messages (keepalive, acknowledgement,
// close) are empty messages with one header, sent best effort.
import { ChannelClosedError, type JsonRpcMessage } from '@orchflow/protocol/runtime';
import { DEFAULT_MAX_MESSAGE_BYTES, oversizeReplacement, splitMessage } from './chunking';
import type { NatsModule } from './connect';
import { MAX_WAITING_BYTES, MAX_WAITING_SENDS, SendWindow } from './flow-window';
import type { HeldMessages } from './held-messages';
import type { NatsSessionChannelOptions } from './session-wire';
import { CHUNK_HEADER, KEEPALIVE_HEADER, SESSION_HEADER } from './subjects';

const encoder = new TextEncoder();

/** Publishes one session's messages to its peer, within the send window if there is one. */
export class SessionSender {
  private readonly window: SendWindow | undefined;
  /** Bytes of the messages waiting for room in the send window (encoded while they wait). */
  private waitingBytes = 0;
  private seq = 0;
  private lastSent = Date.now();
  private stamped: ReturnType<NatsModule['headers']> | undefined;
  private stopped = false;
  /**
   * Lets go the sends waiting for a flush; the session's end calls them all. A set and not a race
   * with one promise of the end: each race would stay attached to that promise, a few hundred
   * bytes per split message, for as long as the session lives.
   */
  private readonly flushing = new Set<() => void>();
  // An ES private field, not `private`: the options hold the NATS connection, whose own options
  // hold its credentials (token, user and password), and loggers print what they are handed.
  readonly #options: NatsSessionChannelOptions;

  /**
   * `held`: the receiver's count of messages whose answers free budget; `endSession` ends the
   * session when the peer stopped acknowledging (with the Orchflow-Close text to send it).
   */
  constructor(
    options: NatsSessionChannelOptions,
    private readonly held: HeldMessages | undefined,
    private readonly endSession: (reason: Error, announce: string) => void,
  ) {
    this.#options = options;
    if (options.sendWindowBytes !== undefined) this.window = new SendWindow(options.sendWindowBytes);
  }

  /** Bytes sent and not yet acknowledged by the peer (0 without a window). */
  get unacknowledgedBytes(): number {
    return this.window?.inFlight ?? 0;
  }

  /** How long messages have waited for room without the peer acknowledging anything (0: none wait). */
  stalledMs(now: number): number {
    return this.window?.stalledMs(now) ?? 0;
  }

  /** Takes the peer's `Orchflow-Ack` (total bytes its reader took); lets waiting messages go. */
  acknowledged(total: number): void {
    this.window?.ack(total);
  }

  /**
   * Publishes `message`, after waiting for room in the window if there is one. `settles`: it
   * answers requests received (what the reassembly budget holds for them goes back); `seen`: the
   * channel's `onSend` sees it.
   */
  async send(message: JsonRpcMessage, settles: boolean, seen: boolean): Promise<void> {
    if (this.stopped || this.#options.nc.isClosed()) throw new ChannelClosedError();
    const window = this.window;
    let encoded: Uint8Array | undefined;
    if (window && !window.open) {
      if (window.waitingCount >= MAX_WAITING_SENDS) {
        throw this.stopAcknowledged(`${MAX_WAITING_SENDS} messages wait`);
      }
      // Encoded now, so that what waits is counted (and held once, as bytes).
      encoded = this.encode(message);
      const size = encoded.byteLength;
      if (window.waitingCount > 0 && this.waitingBytes + size > MAX_WAITING_BYTES) {
        throw this.stopAcknowledged(`more than ${MAX_WAITING_BYTES} bytes wait`);
      }
      this.waitingBytes += size;
      try {
        await window.wait();
      } finally {
        this.waitingBytes -= size;
      }
    }
    let published = { bytes: 0, parts: 0 };
    try {
      if (this.stopped || this.#options.nc.isClosed()) throw new ChannelClosedError();
      published = this.publish(message, settles, seen, encoded);
    } finally {
      window?.done(published.bytes);
    }
    // A split message is large: wait until NATS took it, so a big stream cannot pile up in memory
    // (but not past the session's end: while NATS is away a flush waits for it to come back, or
    // for nats.js's next try to reconnect, which fails the flushes pending).
    if (published.parts > 1) await this.flushed();
  }

  /** An empty message carrying one control header (best effort: the connection may be going). */
  control(name: string, value: string): void {
    if (this.stopped || this.#options.nc.isClosed()) return;
    try {
      this.#options.nc.publish(this.#options.peerSubject, undefined, { headers: this.headers(name, value) });
      this.lastSent = Date.now();
    } catch {
      // The connection is going away; its own close ends the session.
    }
  }

  /** Sends an empty `Orchflow-Keepalive` when nothing went for `idleMs` (a silent side is taken for gone). */
  keepalive(now: number, idleMs: number): void {
    if (now - this.lastSent < idleMs || this.#options.nc.isClosed()) return;
    // Counted as sent even if publishing fails: the next try is a keepalive period away.
    this.lastSent = now;
    this.control(KEEPALIVE_HEADER, '1');
  }

  /** The session ended: nothing more goes, and messages waiting for room fail with `reason`. */
  stop(reason: Error): void {
    this.stopped = true;
    // Senders waiting for room learn the session is gone as any sender would: ChannelClosed.
    this.window?.fail(
      reason instanceof ChannelClosedError
        ? reason
        : new ChannelClosedError(reason.message, { cause: reason }),
    );
    for (const done of this.flushing) done();
  }

  /** Ends the session over a peer that stopped acknowledging (`what` waits); returns the error to throw. */
  private stopAcknowledged(what: string): ChannelClosedError {
    const error = new ChannelClosedError(
      `The ${this.#options.peerName} stopped acknowledging what it was sent (${what}); the session is closed`,
    );
    this.endSession(error, 'peer stopped acknowledging');
    return error;
  }

  /** Resolves once NATS took what was published, or once the session ends; never rejects. */
  private flushed(): Promise<void> {
    // Ended while publishing (the session's end already let every wait go): nothing to wait for.
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.flushing.delete(done);
        resolve();
      };
      this.flushing.add(done);
      this.#options.nc.flush().then(done, done);
    });
  }

  /** The bytes `message` goes as: its binary frame or JSON, or the answer that replaces it when too large. */
  private encode(message: JsonRpcMessage): Uint8Array {
    const binary = this.#options.encodeOutput?.(message);
    const bytes = binary ?? encoder.encode(JSON.stringify(message));
    const limit = this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (bytes.byteLength <= limit) return bytes;
    return encoder.encode(JSON.stringify(oversizeReplacement(message, bytes.byteLength, limit)));
  }

  /** Publishes `message` (as `encoded`, if it was) now; returns its size and how many NATS messages it took. */
  private publish(
    message: JsonRpcMessage,
    settles: boolean,
    seen: boolean,
    encoded?: Uint8Array,
  ): { bytes: number; parts: number } {
    if (seen) this.#options.onSend?.(message);
    if (settles) this.held?.answered(message);
    const bytes = encoded ?? this.encode(message);
    const parts = splitMessage(bytes, ++this.seq, this.#options.maxPayload);
    try {
      for (const part of parts) {
        const headers = part.chunk === undefined ? this.stamp() : this.headers(CHUNK_HEADER, part.chunk);
        this.#options.nc.publish(this.#options.peerSubject, part.data, headers ? { headers } : undefined);
      }
    } catch (error) {
      throw new ChannelClosedError(`Publishing to NATS failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.lastSent = Date.now();
    return { bytes: bytes.length, parts: parts.length };
  }

  private headers(name: string, value: string) {
    const headers = this.#options.nats.headers();
    headers.set(name, value);
    if (this.#options.sessionId !== undefined) headers.set(SESSION_HEADER, this.#options.sessionId);
    return headers;
  }

  /** Headers of a whole message: the session's stamp, or none. */
  private stamp() {
    const id = this.#options.sessionId;
    if (id === undefined) return undefined;
    // One object for them all: nats.js encodes the headers when publishing and keeps nothing.
    this.stamped ??= this.headers(SESSION_HEADER, id);
    return this.stamped;
  }
}
