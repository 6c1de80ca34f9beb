// In-process channel pair: the zero-overhead embedding path and the test double for every
// higher layer. Messages are handed over by reference (no serialization), in order.
import type { IpcChannel } from './channel';
import { ChannelClosedError } from './errors';
import type { JsonRpcMessage } from './jsonrpc';
import { MessageQueue } from './message-queue';

/** One end of an in-process channel pair; create with {@link DirectChannel.pair}. */
export class DirectChannel implements IpcChannel {
  private readonly inbox = new MessageQueue();
  private peer!: DirectChannel;

  private constructor() {}

  /** Two linked ends: what one sends, the other receives. Closing either closes both. */
  static pair(): [DirectChannel, DirectChannel] {
    const a = new DirectChannel();
    const b = new DirectChannel();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /** True once either end has closed. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /** Hands the message to the other end; the object is shared, not copied. */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    this.peer.inbox.push(message);
    return Promise.resolve();
  }

  /** The next message from the other end. */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Closes both ends. */
  close(): Promise<void> {
    this.inbox.close();
    this.peer.inbox.close();
    return Promise.resolve();
  }

  /** Iterates received messages until the pair closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inbox.iterate();
  }
}
