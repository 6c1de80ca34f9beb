// An orchflow transport over a `worker_threads` MessagePort: the whole `IpcChannel` contract in
// one small class. A transport only moves whole JSON-RPC messages in order; request matching,
// timeouts, cancellation, progress and batches live in `RpcPeer` on both ends.
import { MessageChannel, MessagePort } from 'node:worker_threads';
import {
  ChannelClosedError,
  ErrorCode,
  type IpcChannel,
  type JsonRpcMessage,
  MessageQueue,
  OrchflowError,
} from '@orchflow/protocol';

/** Options of {@link MessagePortChannel}. */
export interface MessagePortChannelOptions {
  /** Told about a message that is not JSON text (the peer is not a MessagePortChannel). */
  onError?: (error: Error) => void;
  /**
   * What to do with such a message: `'close'` (default) closes the channel — both ends — with a
   * `ChannelClosedError` whose cause is a `ParseError`, so the peer's pending requests fail at
   * once instead of waiting for their timeouts; `'ignore'` drops it and keeps the channel open
   * (the peer is not told: a request it was answering stays pending until it times out).
   */
  onInvalidMessage?: 'close' | 'ignore';
}

/** An {@link IpcChannel} over one end of a `MessageChannel` (same thread or another worker). */
export class MessagePortChannel implements IpcChannel {
  private readonly inbox = new MessageQueue();

  /** Takes over `port`: it starts receiving at once, and closing the channel closes the port. */
  constructor(
    private readonly port: MessagePort,
    private readonly options: MessagePortChannelOptions = {},
  ) {
    if (!(port instanceof MessagePort)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        'MessagePortChannel needs a worker_threads MessagePort (one end of a new MessageChannel())',
      );
    }
    port.on('message', (data: unknown) => this.deliver(data));
    // Node emits 'close' on both ends when either end closes or its thread exits.
    port.once('close', () => this.inbox.close());
  }

  /** A connected pair in this thread: what one end sends, the other receives. */
  static pair(options: MessagePortChannelOptions = {}): [MessagePortChannel, MessagePortChannel] {
    const { port1, port2 } = new MessageChannel();
    return [new MessagePortChannel(port1, options), new MessagePortChannel(port2, options)];
  }

  /** True once either end has closed. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /**
   * Posts one message (or batch) as JSON text. Not structured clone: it would keep what JSON
   * drops (`undefined` fields, `Date`s, class instances), so the peer would see values no byte
   * transport delivers, and it throws on a function instead of omitting it.
   *
   * Back-pressure: there is none. `postMessage` never blocks or refuses, and the port queues
   * without bound until the receiving thread takes messages, so the promise resolves at once. The
   * integration guide asks a transport whose link buffers without bound to make `send` wait; this
   * one does not, and orchflow's output flow control does not make up for it: the server
   * acknowledges a chunk of terminal output when `send` resolves, which here is immediately, so a
   * terminal printing fast to a busy main thread grows the port's queue (and then the inbox) in
   * this process's memory. Acceptable for a demo between two threads of one process; a real
   * transport would add credits (the receiver posting "took N" back, `send` waiting for them).
   */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    try {
      this.port.postMessage(JSON.stringify(message));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The next message from the other end; rejects with `ChannelClosedError` once closed and drained. */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Closes both ends (idempotent); messages that already arrived stay receivable. */
  close(): Promise<void> {
    this.inbox.close();
    this.port.close();
    return Promise.resolve();
  }

  /** Iterates received messages until the channel closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inbox.iterate();
  }

  private deliver(data: unknown): void {
    // Shapes are RpcPeer's job (it answers InvalidRequest); the channel only undoes its framing.
    if (typeof data !== 'string') {
      this.invalid(new TypeError(`MessagePortChannel received a ${typeof data}, expected JSON text`));
      return;
    }
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(data) as JsonRpcMessage;
    } catch (error) {
      this.invalid(error as Error);
      return;
    }
    this.inbox.push(message);
  }

  /**
   * A message that is not JSON text. Closing is the default because dropping it silently leaves
   * a request the peer meant to answer pending until its timeout; a ParseError response (what
   * StreamChannel sends) would not help either, as it carries `id: null` and matches no request.
   */
  private invalid(error: Error): void {
    this.options.onError?.(error);
    if (this.options.onInvalidMessage === 'ignore' || this.closed) return;
    const parseError = new OrchflowError(
      ErrorCode.ParseError,
      `MessagePortChannel received a message that is not JSON text (${error.message}); is the other end a MessagePortChannel?`,
      undefined,
      { cause: error },
    );
    this.inbox.close(new ChannelClosedError(`Channel closed: ${parseError.message}`, { cause: parseError }));
    this.port.close(); // the peer's end closes too, failing its pending requests now
  }
}
