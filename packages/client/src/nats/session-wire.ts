// One orchflow session over NATS as an IpcChannel, used by both ends: the client publishes to the
// node's session subject, the node to the client's inbox. Each JSON-RPC message is one NATS
// message (split into `Orchflow-Chunk` parts above `maxPayload`); an idle side sends an empty
// `Orchflow-Keepalive` every `ttlMs / 3`, and a peer silent for `ttlMs` is taken as gone. Either
// side ends the session with an empty `Orchflow-Close: <reason>` message. With `encodeOutput` (a
// node serving a client that asked for it) a `terminal.output` notification goes as the binary
// frame of the WebSocket subprotocol, so its text is neither JSON-escaped by the node nor parsed by
// the client. No header marks it (NATS headers cost per message): that frame starts with its
// header's 4-byte big-endian length, so its first byte is 0, which no JSON text starts with.
// With `sendWindow` / `ackEveryBytes` the session is flow-controlled (flow-window.ts): the reader's
// side acknowledges what was taken with an empty `Orchflow-Ack: <total bytes>` message.
// Whoever owns the NATS subscription passes each of its messages to `handle()`. A receiver serving
// many peers (a node) bounds what their large messages hold together with `reassemblyBudget`: a
// split message's parts while it arrives, then the whole message (and a whole one larger than
// COUNTED_WHOLE_MESSAGE_BYTES) until every request in it was answered, or, carrying none, until the
// reader took it. A message the budget has no room for is refused alone: its requests are answered
// with the budget's error (Overloaded) and the session goes on. Answers that refuse a message the
// receiver dropped (`sendRefusal`) answer nothing the budget counts: a request reusing the id of
// one still running must not free what that one holds. It ends a session whose split message
// stops arriving with `partTimeoutMs`.

import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  ChannelClosedError,
  type IpcChannel,
  type JsonRpcMessage,
  MessageQueue,
} from '@orchflow/protocol/runtime';
import { decodeBinaryOutput } from '../transports/websocket-binary';
import {
  ChunkAssembler,
  DEFAULT_MAX_MESSAGE_BYTES,
  oversizeReplacement,
  type ReassemblyBudget,
  type RefusedMessage,
  splitMessage,
} from './chunking';
import type { NatsModule } from './connect';
import { AckCounter, MAX_WAITING_BYTES, MAX_WAITING_SENDS, SendWindow } from './flow-window';
import { HeldMessages } from './held-messages';
import { ACK_HEADER, CHUNK_HEADER, CLOSE_HEADER, KEEPALIVE_HEADER } from './subjects';

/** Options of {@link NatsSessionChannel}. */
export interface NatsSessionChannelOptions {
  nc: NatsConnection;
  nats: NatsModule;
  /** Where this side publishes (the node's session subject, or the client's inbox). */
  peerSubject: string;
  /** Largest NATS message (the smaller of both ends' `max_payload`). */
  maxPayload: number;
  /** A peer silent this long is gone; keepalives go every third of it. */
  ttlMs: number;
  /** Largest reassembled message. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Names the peer in error messages, e.g. `node 'a1'`. */
  peerName: string;
  /** Sees each parsed incoming message first; returning false drops it (limits). */
  onReceive?: (message: unknown) => boolean;
  /** Sees each outgoing message before it is published. */
  onSend?: (message: JsonRpcMessage) => void;
  /** Sent in {@link SESSION_HEADER} on every message this side publishes (the node's side). */
  sessionId?: string;
  /**
   * The binary output frame of a message, or undefined to send it as JSON (the node's
   * `encodeBinaryOutput`, for a client that asked for binary output). Receiving needs no option.
   */
  encodeOutput?: (message: JsonRpcMessage) => Uint8Array | undefined;
  /** Called once when the channel closes, with the reason. */
  onClosed?: (reason: Error) => void;
  /** Most unacknowledged bytes this side sends (the peer acknowledges); undefined: no limit. */
  sendWindowBytes?: number;
  /** Acknowledge the bytes taken by this side's reader every this many (the peer has a window). */
  ackEveryBytes?: number;
  /**
   * Shared bound of the bytes held in large received messages (a node's, over all its sessions):
   * split messages from their first part, whole ones larger than COUNTED_WHOLE_MESSAGE_BYTES, each
   * until every request in it was answered (one carrying none: until the reader took it). A
   * message that does not fit is dropped and its requests answered with the budget's error; the
   * session goes on. Default: none (only `maxMessageBytes` per message).
   */
  reassemblyBudget?: ReassemblyBudget;
  /**
   * An incomplete split message whose next part has not come for this long ends the session (a
   * sender publishes a message's parts back to back, so a gap means a broken or hostile peer,
   * which must not hold the bytes for as long as it sends keepalives). Checked every sixth of
   * `ttlMs`. Default: none.
   */
  partTimeoutMs?: number;
}

/**
 * NATS header naming the session of every message a node publishes to a client's inbox (nodes of
 * earlier versions send none). An inbox is a plain subject that anyone opening a session may name,
 * so this is how a client tells its own session's messages from another session's sent to the
 * same inbox (see session-channel.ts).
 */
export const SESSION_HEADER = 'Orchflow-Session';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An {@link IpcChannel} over one orchflow NATS session (either end). */
export class NatsSessionChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly assembler: ChunkAssembler;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastHeard = Date.now();
  private lastSent = Date.now();
  private seq = 0;
  private reason: Error | undefined;
  private readonly ended: Promise<void>;
  private markEnded!: () => void;
  private readonly window: SendWindow | undefined;
  private readonly acks: AckCounter | undefined;
  private stamped: ReturnType<NatsModule['headers']> | undefined;
  /** What the reassembly budget counts of received messages (none without a budget). */
  private readonly held: HeldMessages | undefined;
  /** Bytes of the messages waiting for room in the send window (encoded while they wait). */
  private waitingBytes = 0;
  // An ES private field, not `private`: the options hold the NATS connection, whose own options
  // hold its credentials (token, user and password), and loggers print what they are handed
  // (`util.inspect`, `JSON.stringify`).
  readonly #options: NatsSessionChannelOptions;

  constructor(options: NatsSessionChannelOptions) {
    this.#options = options;
    this.assembler = new ChunkAssembler(options.maxMessageBytes, options.reassemblyBudget);
    if (options.reassemblyBudget) this.held = new HeldMessages(options.reassemblyBudget);
    if (options.sendWindowBytes !== undefined) this.window = new SendWindow(options.sendWindowBytes);
    if (options.ackEveryBytes !== undefined) {
      this.acks = new AckCounter(options.ackEveryBytes, (total) =>
        this.sendControl(ACK_HEADER, String(total)),
      );
    }
    this.ended = new Promise((resolve) => {
      this.markEnded = resolve;
    });
    // Ticks at a sixth of the TTL so a keepalive leaves within a third of it when idle.
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(options.ttlMs / 6)));
    this.timer.unref?.();
  }

  /** True once either side closed the session (or NATS went away). */
  get closed(): boolean {
    return this.queue.closed;
  }

  /** Why the channel closed, once it has. */
  get closeReason(): Error | undefined {
    return this.reason;
  }

  /** Bytes sent and not yet acknowledged by the peer (0 without a window). */
  get unacknowledgedBytes(): number {
    return this.window?.inFlight ?? 0;
  }

  /**
   * Publishes one message (split when too large for one NATS message). With a send window it
   * first waits, in order, for the peer to acknowledge enough of what was sent.
   */
  send(message: JsonRpcMessage): Promise<void> {
    return this.deliver(message, true, true);
  }

  /**
   * Sends the answer that refuses a message this side dropped (its `onReceive` said no): like
   * {@link send}, except that the answer frees nothing the reassembly budget counts for requests
   * still running (its ids may be theirs: a request that reused one).
   */
  sendRefusal(message: JsonRpcMessage): Promise<void> {
    return this.deliver(message, false, true);
  }

  /** `settles`: the message answers requests received (their held bytes go back); `seen`: `onSend` sees it. */
  private async deliver(message: JsonRpcMessage, settles: boolean, seen: boolean): Promise<void> {
    if (this.closed || this.#options.nc.isClosed()) throw new ChannelClosedError();
    const window = this.window;
    let encoded: Uint8Array | undefined;
    if (window && !window.open) {
      if (window.waitingCount >= MAX_WAITING_SENDS) {
        const error = new ChannelClosedError(
          `The ${this.#options.peerName} stopped acknowledging what it was sent (${MAX_WAITING_SENDS} messages wait); the session is closed`,
        );
        this.end(error, 'peer stopped acknowledging');
        throw error;
      }
      // Encoded now, so that what waits is counted (and held once, as bytes).
      encoded = this.encode(message);
      const size = encoded.byteLength;
      if (window.waitingCount > 0 && this.waitingBytes + size > MAX_WAITING_BYTES) {
        const error = new ChannelClosedError(
          `The ${this.#options.peerName} stopped acknowledging what it was sent (more than ${MAX_WAITING_BYTES} bytes wait); the session is closed`,
        );
        this.end(error, 'peer stopped acknowledging');
        throw error;
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
      if (this.closed || this.#options.nc.isClosed()) throw new ChannelClosedError();
      published = this.publish(message, settles, seen, encoded);
    } finally {
      window?.done(published.bytes);
    }
    // A split message is large: wait until NATS took it, so a big stream cannot pile up in memory
    // (but not past the session's end: while NATS reconnects a flush waits for its return).
    if (published.parts > 1) {
      await Promise.race([this.#options.nc.flush().catch(() => undefined), this.ended]);
    }
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

  /** The next message from the peer. */
  async receive(): Promise<JsonRpcMessage> {
    const message = await this.queue.receive();
    this.held?.read();
    this.acks?.taken(message);
    return message;
  }

  /** Ends the session, telling the peer (`Orchflow-Close`); idempotent. */
  close(): Promise<void> {
    this.end(new ChannelClosedError(), 'closed');
    return Promise.resolve();
  }

  /** Ends the session with `reason`; tells the peer with `announce` (its Orchflow-Close text) unless undefined. */
  end(reason: Error, announce: string | undefined): void {
    if (this.reason) return;
    this.reason = reason;
    clearInterval(this.timer);
    // A half-received message is nobody's now: its bytes go back to a shared budget at once, and so
    // do those of messages whose requests will never be answered on this session.
    this.assembler.discard();
    this.held?.releaseAll();
    if (announce !== undefined && !this.#options.nc.isClosed()) {
      try {
        this.#options.nc.publish(this.#options.peerSubject, undefined, {
          headers: this.headers(CLOSE_HEADER, announce),
        });
      } catch {
        // Best effort: the peer's TTL ends the session anyway.
      }
    }
    this.queue.close(reason);
    // Senders waiting for room learn the session is gone as any sender would: ChannelClosed.
    this.window?.fail(
      reason instanceof ChannelClosedError
        ? reason
        : new ChannelClosedError(reason.message, { cause: reason }),
    );
    this.markEnded();
    this.#options.onClosed?.(reason);
  }

  /** Takes one NATS message from the peer. */
  handle(msg: Msg): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    const headers = msg.headers;
    const closing = headers?.get(CLOSE_HEADER);
    if (closing) {
      this.end(
        new ChannelClosedError(`The ${this.#options.peerName} closed the session: ${closing}`),
        undefined,
      );
      return;
    }
    if (headers?.get(KEEPALIVE_HEADER)) return;
    const ack = headers?.get(ACK_HEADER);
    if (ack) {
      this.window?.ack(Number(ack));
      return;
    }
    let received: ReturnType<ChunkAssembler['receive']>;
    try {
      received = this.assembler.receive(msg.data, headers?.get(CHUNK_HEADER) || undefined);
    } catch (error) {
      this.end(error as Error, `protocol error: ${(error as Error).message}`);
      return;
    }
    if (received === undefined) return;
    if (received.refused) {
      this.refuse(received.refused);
      return;
    }
    const { data: whole, held } = received;
    const size = whole.length;
    let message: unknown;
    try {
      message = whole[0] === 0 ? decodeBinaryOutput(whole) : JSON.parse(decoder.decode(whole));
    } catch (error) {
      this.#options.reassemblyBudget?.release(held);
      this.end(error as Error, `protocol error: ${(error as Error).message}`);
      return;
    }
    if (this.#options.onReceive && !this.#options.onReceive(message)) {
      // Dropped by a limit: never read, but consumed all the same.
      this.#options.reassemblyBudget?.release(held);
      this.acks?.consumed(size);
      return;
    }
    if (this.closed) {
      // Ended meanwhile (a refusal the peer had no room for): nothing will answer it.
      this.#options.reassemblyBudget?.release(held);
      return;
    }
    if (this.acks) {
      if (typeof message === 'object' && message !== null) this.acks.queued(message, size);
      else this.acks.consumed(size);
    }
    this.held?.queued(message, held);
    this.queue.push(message as JsonRpcMessage);
  }

  /** A message the budget had no room for: its requests get the budget's error; the session goes on. */
  private refuse(refused: RefusedMessage): void {
    const answer = refused.answer();
    // Not seen by `onSend`: these requests were never admitted, so nothing may count them answered.
    if (answer) this.deliver(answer, false, false).catch(() => undefined);
  }

  /** Iterates received messages until the session ends. */
  async *[Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error === this.reason) return;
        throw error;
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    if (this.window && this.window.stalledMs(now) > this.#options.ttlMs) {
      this.end(
        new ChannelClosedError(
          `The ${this.#options.peerName} acknowledged nothing for ${this.#options.ttlMs} ms while messages waited; the session is closed`,
        ),
        'peer stopped acknowledging',
      );
      return;
    }
    const waiting = this.assembler.waitingMs(now);
    const partTimeout = this.#options.partTimeoutMs;
    if (partTimeout !== undefined && waiting !== undefined && waiting > partTimeout) {
      this.end(
        new ChannelClosedError(
          `The ${this.#options.peerName} sent part of a split message and then no further part for ${partTimeout} ms; the session is closed`,
        ),
        `split message incomplete for ${partTimeout} ms`,
      );
      return;
    }
    if (now - this.lastHeard > this.#options.ttlMs) {
      this.end(
        new ChannelClosedError(
          `The ${this.#options.peerName} sent nothing for ${this.#options.ttlMs} ms; the session is closed`,
        ),
        'session expired',
      );
      return;
    }
    if (now - this.lastSent >= this.#options.ttlMs / 3 && !this.#options.nc.isClosed()) {
      this.lastSent = now;
      try {
        this.#options.nc.publish(this.#options.peerSubject, undefined, {
          headers: this.headers(KEEPALIVE_HEADER, '1'),
        });
      } catch {
        // The connection is going away; its own close ends the session.
      }
    }
  }

  /** An empty message carrying one control header (best effort: the connection may be going). */
  private sendControl(name: string, value: string): void {
    if (this.closed || this.#options.nc.isClosed()) return;
    try {
      this.#options.nc.publish(this.#options.peerSubject, undefined, { headers: this.headers(name, value) });
      this.lastSent = Date.now();
    } catch {
      // The connection is going away; its own close ends the session.
    }
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
