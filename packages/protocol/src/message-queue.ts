// The receive side shared by channel implementations: an inbox plus parked receivers. Messages
// that arrived before close are still handed out; only then do receivers get the close error.
import { ChannelClosedError } from './errors';
import type { JsonRpcMessage } from './jsonrpc';

interface Waiter {
  resolve(message: JsonRpcMessage): void;
  reject(error: Error): void;
}

/** An ordered inbox of messages with async receivers; used to build `IpcChannel`s. */
export class MessageQueue {
  private readonly inbox: JsonRpcMessage[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private closeError: Error | undefined;

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closeError !== undefined;
  }

  /** Number of messages waiting to be received. */
  get size(): number {
    return this.inbox.length - this.head;
  }

  /** Delivers a message to the oldest waiting receiver, or queues it. Ignored after close. */
  push(message: JsonRpcMessage): void {
    if (this.closeError) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(message);
    else this.inbox.push(message);
  }

  /** The next message, or a rejection once closed and drained. */
  receive(): Promise<JsonRpcMessage> {
    if (this.head < this.inbox.length) {
      const message = this.inbox[this.head++] as JsonRpcMessage;
      // Compact occasionally so a long-lived queue does not keep every consumed slot.
      if (this.head > 1024 && this.head * 2 > this.inbox.length) {
        this.inbox.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve(message);
    }
    if (this.closeError) return Promise.reject(this.closeError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Closes the queue: parked receivers are rejected; queued messages stay receivable. */
  close(error: Error = new ChannelClosedError()): void {
    if (this.closeError) return;
    this.closeError = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Iterates messages until the queue is closed and drained. */
  async *iterate(): AsyncGenerator<JsonRpcMessage> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (this.closeError && error === this.closeError) return;
        throw error;
      }
    }
  }
}
