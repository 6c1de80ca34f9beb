// The server end of a WebSocket connection as an IpcChannel: one JSON-RPC message per text frame,
// except `terminal.output` on a connection that negotiated binary output (see binary-output.ts).
// `send()` resolves once `ws` flushed the frame to the socket, so core's subscriptions (which ack
// output only when `send` resolves) pause a terminal behind a slow client instead of buffering.
// Bad frames are answered here (ParseError, InvalidRequest for binary frames), requests beyond
// `maxInFlight` get Overloaded without reaching the dispatcher, and a client whose unread backlog
// passes `maxBufferedBytes` is disconnected rather than buffered without bound.
import {
  ChannelClosedError,
  ErrorCode,
  FrameTooLargeError,
  type IpcChannel,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  MessageQueue,
  type RequestId,
} from '@orchflow/protocol';
import type { RawData, WebSocket } from 'ws';
import { InFlightLimit } from '../limits/in-flight-limit';
import { encodeBinaryOutput } from './binary-output';
import { framePool } from './frame-pool';
import type { TrafficObserver } from './terminal-leases';

const takeFrame = (size: number) => framePool.take(size);

/** Close code sent when a client is closed for breaking a limit (RFC 6455 "policy violation"). */
export const WS_CLOSE_POLICY = 1008;
/** Close code sent when the server shuts down (RFC 6455 "going away"). */
export const WS_CLOSE_GOING_AWAY = 1001;

/** Limits of one {@link WebSocketChannel}. */
export interface WebSocketChannelOptions {
  /** Requests answered concurrently before further ones get Overloaded. */
  maxInFlight: number;
  /** Bytes queued for a client that does not read before it is disconnected. */
  maxBufferedBytes: number;
  /** Sees the messages that pass (the server's terminal leases). */
  observer?: TrafficObserver;
  /** Send `terminal.output` as binary frames (the client accepted `orchflow.v1+binary-output`). */
  binaryOutput?: boolean;
  /**
   * Limits of a socket that has not authenticated yet ({@link WebSocketChannel.authenticated} lifts
   * them): larger frames, or more of them, close it unread. Absent: none (authenticated at upgrade).
   */
  unauthenticated?: { maxFrameBytes: number; maxFrames: number };
}

/**
 * How long a closed socket may take to answer the close handshake before it is cut: a peer that
 * never answers (or stalls inside a frame) would otherwise hold the socket, and what it buffered,
 * for `ws`'s 30 s.
 */
export const WS_CLOSE_HANDSHAKE_MS = 2_000;

/** An {@link IpcChannel} over a server-side `ws` socket. */
export class WebSocketChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly inFlight: InFlightLimit;
  private closeAfterSend: { code: number; reason: string } | undefined;
  private preAuth: { maxFrameBytes: number; maxFrames: number; frames: number } | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: WebSocketChannelOptions,
  ) {
    this.inFlight = new InFlightLimit(options.maxInFlight);
    this.preAuth = options.unauthenticated && { ...options.unauthenticated, frames: 0 };
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.once('close', () => this.queue.close());
    // 'error' precedes 'close'; without a listener it would be thrown as uncaught.
    socket.on('error', () => this.queue.close());
  }

  /** True once the socket or the channel closed. */
  get closed(): boolean {
    return this.queue.closed;
  }

  /** Sends one message as one frame; resolves once the frame was written to the socket. */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    const limit = this.options.maxBufferedBytes;
    if (this.socket.bufferedAmount > limit) {
      this.closeWith(WS_CLOSE_POLICY, `client is not reading: more than ${limit} bytes queued`);
      return Promise.reject(new ChannelClosedError('Client disconnected for not reading its messages'));
    }
    const binary = this.options.binaryOutput ? encodeBinaryOutput(message, takeFrame) : undefined;
    const frame = binary ?? JSON.stringify(message);
    // One message past the whole backlog budget is refused before it is queued (RpcPeer answers
    // its requests PayloadTooLarge instead): queued, it would hold its size for a client that
    // never reads until the next send noticed (a batch of reads made one reply of hundreds of MiB).
    const size = sizeOf(frame, limit);
    if (size > limit) {
      if (binary) framePool.give(binary);
      return Promise.reject(new FrameTooLargeError(size, limit));
    }
    this.inFlight.settle(message);
    this.options.observer?.sent(message);
    return new Promise((resolve, reject) => {
      this.socket.send(frame, { binary: binary !== undefined }, (error) => {
        // `ws` calls back once the socket is done with the frame (written or failed): reusable.
        if (binary) framePool.give(binary);
        if (error) reject(new ChannelClosedError(`Send failed: ${error.message}`, { cause: error }));
        else resolve();
        const pending = this.closeAfterSend;
        if (pending) this.closeWith(pending.code, pending.reason);
      });
    });
  }

  /** The next message from the client. */
  receive(): Promise<JsonRpcMessage> {
    return this.queue.receive();
  }

  /** Closes the socket with "going away"; idempotent. */
  close(): Promise<void> {
    this.closeWith(WS_CLOSE_GOING_AWAY, 'server closed the connection');
    return Promise.resolve();
  }

  /** The client authenticated: the limits of an unauthenticated socket no longer apply. */
  authenticated(): void {
    this.preAuth = undefined;
  }

  /** Closes with `code` once the next message (e.g. an Unauthorized response) went out. */
  closeAfterNextSend(code: number, reason: string): void {
    this.closeAfterSend = { code, reason };
  }

  /** Closes the socket with `code` and `reason` and ends the channel. */
  closeWith(code: number, reason: string): void {
    this.queue.close();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
      const cut = setTimeout(() => this.socket.terminate(), WS_CLOSE_HANDSHAKE_MS);
      cut.unref();
      this.socket.once('close', () => clearTimeout(cut));
    }
  }

  /** Iterates received messages until the channel closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.queue.iterate();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    const preAuth = this.preAuth;
    if (preAuth) {
      // Checked before parsing: a socket with no token gets no megabytes of JSON parsed for it.
      if (rawSize(data) > preAuth.maxFrameBytes || ++preAuth.frames > preAuth.maxFrames) {
        this.closeWith(
          WS_CLOSE_POLICY,
          `send initialize (with the token) first: at most ${preAuth.maxFrames} frames of ${preAuth.maxFrameBytes} bytes before it`,
        );
        return;
      }
    }
    if (isBinary) {
      this.reject(
        null,
        ErrorCode.InvalidRequest,
        'Binary frames are not accepted; send JSON-RPC as text frames',
      );
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(rawToString(data));
    } catch (error) {
      const detail = (error as Error).message;
      this.reject(
        null,
        ErrorCode.ParseError,
        `Parse error: ${detail}; each text frame must hold one JSON document`,
      );
      return;
    }
    const overloaded = this.inFlight.admit(message);
    if (overloaded) {
      // Best effort: if the socket closes meanwhile there is nobody left to tell.
      this.send(overloaded).catch(() => undefined);
      return;
    }
    this.options.observer?.received(message);
    this.queue.push(message as JsonRpcMessage);
  }

  private reject(id: RequestId | null, code: number, text: string): void {
    const response: JsonRpcErrorResponse = { jsonrpc: '2.0', id, error: { code, message: text } };
    // Best effort: if the socket closes meanwhile there is nobody left to tell.
    this.send(response).catch(() => undefined);
  }
}

/** Bytes of `frame`; a string counted exactly only when it could be over `limit` (UTF-8 ≤ 3 per unit). */
function sizeOf(frame: string | Buffer, limit: number): number {
  if (typeof frame !== 'string') return frame.length;
  return frame.length * 3 <= limit ? frame.length : Buffer.byteLength(frame);
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
