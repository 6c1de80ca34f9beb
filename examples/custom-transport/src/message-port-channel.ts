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
      this.options.onError?.(
        new TypeError(`MessagePortChannel received a ${typeof data}, expected JSON text`),
      );
      return;
    }
    try {
      this.inbox.push(JSON.parse(data) as JsonRpcMessage);
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }
}
