// One orchflow session over NATS as an IpcChannel, used by both ends: the client publishes to the
// node's session subject, the node to the client's inbox. Each JSON-RPC message is one NATS
// message (split into `Orchflow-Chunk` parts above `maxPayload`); an idle side sends an empty
// `Orchflow-Keepalive` every `ttlMs / 3`, and a peer silent for `ttlMs` is taken as gone. Either
// side ends the session with an empty `Orchflow-Close: <reason>` message. With `encodeOutput` (a
// node serving a client that asked for it) a `terminal.output` notification goes as the binary
// frame of the WebSocket subprotocol, so its text is neither JSON-escaped by the node nor parsed by
// the client. No header marks it (NATS headers cost per message): that frame starts with its
// header's 4-byte big-endian length, so its first byte is 0, which no JSON text starts with.
// Whoever owns the NATS subscription passes each of its messages to `handle()`.

import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  ChannelClosedError,
  type IpcChannel,
  type JsonRpcMessage,
  MessageQueue,
} from '@orchflow/protocol/runtime';
import { decodeBinaryOutput } from '../transports/websocket-binary';
import { ChunkAssembler, splitMessage } from './chunking';
import type { NatsModule } from './connect';
import { CHUNK_HEADER, CLOSE_HEADER, KEEPALIVE_HEADER } from './subjects';

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
  /**
   * The binary output frame of a message, or undefined to send it as JSON (the node's
   * `encodeBinaryOutput`, for a client that asked for binary output). Receiving needs no option.
   */
  encodeOutput?: (message: JsonRpcMessage) => Uint8Array | undefined;
  /** Called once when the channel closes, with the reason. */
  onClosed?: (reason: Error) => void;
}

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

  constructor(private readonly options: NatsSessionChannelOptions) {
    this.assembler = new ChunkAssembler(options.maxMessageBytes);
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

  /** Publishes one message (split when too large for one NATS message). */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed || this.options.nc.isClosed()) throw new ChannelClosedError();
    this.options.onSend?.(message);
    const binary = this.options.encodeOutput?.(message);
    const bytes = binary ?? encoder.encode(JSON.stringify(message));
    const parts = splitMessage(bytes, ++this.seq, this.options.maxPayload);
    try {
      for (const part of parts) {
        const headers = part.chunk === undefined ? undefined : this.headers(CHUNK_HEADER, part.chunk);
        this.options.nc.publish(this.options.peerSubject, part.data, headers ? { headers } : undefined);
      }
    } catch (error) {
      throw new ChannelClosedError(`Publishing to NATS failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.lastSent = Date.now();
    // A split message is large: wait until NATS took it, so a big stream cannot pile up in memory
    // (but not past the session's end: while NATS reconnects a flush waits for its return).
    if (parts.length > 1) await Promise.race([this.options.nc.flush().catch(() => undefined), this.ended]);
  }

  /** The next message from the peer. */
  receive(): Promise<JsonRpcMessage> {
    return this.queue.receive();
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
    if (announce !== undefined && !this.options.nc.isClosed()) {
      try {
        this.options.nc.publish(this.options.peerSubject, undefined, {
          headers: this.headers(CLOSE_HEADER, announce),
        });
      } catch {
        // Best effort: the peer's TTL ends the session anyway.
      }
    }
    this.queue.close(reason);
    this.markEnded();
    this.options.onClosed?.(reason);
  }

  /** Takes one NATS message from the peer. */
  handle(msg: Msg): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    const headers = msg.headers;
    const closing = headers?.get(CLOSE_HEADER);
    if (closing) {
      this.end(
        new ChannelClosedError(`The ${this.options.peerName} closed the session: ${closing}`),
        undefined,
      );
      return;
    }
    if (headers?.get(KEEPALIVE_HEADER)) return;
    let message: unknown;
    try {
      const whole = this.assembler.push(msg.data, headers?.get(CHUNK_HEADER) || undefined);
      if (whole === undefined) return;
      message = whole[0] === 0 ? decodeBinaryOutput(whole) : JSON.parse(decoder.decode(whole));
    } catch (error) {
      this.end(error as Error, `protocol error: ${(error as Error).message}`);
      return;
    }
    if (this.options.onReceive && !this.options.onReceive(message)) return;
    this.queue.push(message as JsonRpcMessage);
  }

  /** Iterates received messages until the session ends. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.queue.iterate();
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastHeard > this.options.ttlMs) {
      this.end(
        new ChannelClosedError(
          `The ${this.options.peerName} sent nothing for ${this.options.ttlMs} ms; the session is closed`,
        ),
        'session expired',
      );
      return;
    }
    if (now - this.lastSent >= this.options.ttlMs / 3 && !this.options.nc.isClosed()) {
      this.lastSent = now;
      try {
        this.options.nc.publish(this.options.peerSubject, undefined, {
          headers: this.headers(KEEPALIVE_HEADER, '1'),
        });
      } catch {
        // The connection is going away; its own close ends the session.
      }
    }
  }

  private headers(name: string, value: string) {
    const headers = this.options.nats.headers();
    headers.set(name, value);
    return headers;
  }
}
