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
// side acknowledges what was taken with an empty `Orchflow-Ack: <total bytes>` message. This file
// holds the channel, its receive path and its timer; what goes out goes through session-sender.ts.
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
import { ChunkAssembler, type ReassemblyBudget, type RefusedMessage } from './chunking';
import type { NatsModule } from './connect';
import { AckCounter } from './flow-window';
import { HeldMessages } from './held-messages';
import { SessionSender } from './session-sender';
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
  /** Sent in the `Orchflow-Session` header on every message this side publishes (the node's side). */
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

const decoder = new TextDecoder();

/** An {@link IpcChannel} over one orchflow NATS session (either end). */
export class NatsSessionChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly assembler: ChunkAssembler;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastHeard = Date.now();
  private reason: Error | undefined;
  private readonly sender: SessionSender;
  private readonly acks: AckCounter | undefined;
  /** What the reassembly budget counts of received messages (none without a budget). */
  private readonly held: HeldMessages | undefined;
  // An ES private field, not `private`: the options hold the NATS connection, whose own options
  // hold its credentials (token, user and password), and loggers print what they are handed
  // (`util.inspect`, `JSON.stringify`).
  readonly #options: NatsSessionChannelOptions;

  constructor(options: NatsSessionChannelOptions) {
    this.#options = options;
    this.assembler = new ChunkAssembler(options.maxMessageBytes, options.reassemblyBudget);
    if (options.reassemblyBudget) this.held = new HeldMessages(options.reassemblyBudget);
    this.sender = new SessionSender(options, this.held, (reason, announce) => this.end(reason, announce));
    if (options.ackEveryBytes !== undefined) {
      this.acks = new AckCounter(options.ackEveryBytes, (total) =>
        this.sender.control(ACK_HEADER, String(total)),
      );
    }
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
    return this.sender.unacknowledgedBytes;
  }

  /**
   * Publishes one message (split when too large for one NATS message). With a send window it
   * first waits, in order, for the peer to acknowledge enough of what was sent.
   */
  send(message: JsonRpcMessage): Promise<void> {
    return this.sender.send(message, true, true);
  }

  /**
   * Sends the answer that refuses a message this side dropped (its `onReceive` said no): like
   * {@link send}, except that the answer frees nothing the reassembly budget counts for requests
   * still running (its ids may be theirs: a request that reused one).
   */
  sendRefusal(message: JsonRpcMessage): Promise<void> {
    return this.sender.send(message, false, true);
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
    // Told if NATS still takes it; otherwise the peer's TTL ends the session.
    if (announce !== undefined) this.sender.control(CLOSE_HEADER, announce);
    this.queue.close(reason);
    this.sender.stop(reason);
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
      this.sender.acknowledged(Number(ack));
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
    if (answer) this.sender.send(answer, false, false).catch(() => undefined);
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

  /**
   * Ends a session whose peer went silent, stopped acknowledging or left a split message half
   * sent; keeps an idle one alive.
   */
  private tick(): void {
    const now = Date.now();
    if (this.sender.stalledMs(now) > this.#options.ttlMs) {
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
    this.sender.keepalive(now, this.#options.ttlMs / 3);
  }
}
