// A small unbounded message queue with waiting readers, used by the sidecar channel to merge
// the messages of successive sidecar processes (and its own synthesized ones) into one stream.
// Unbounded is safe here: each sidecar's StreamChannel already pauses its reads under pressure.
import type { ChannelClosedError, JsonRpcMessage } from '@orchflow/protocol/runtime';

/** Messages waiting to be received, and receivers waiting for messages. */
export class SidecarInbox {
  private readonly messages: JsonRpcMessage[] = [];
  private readonly waiters: { resolve(m: JsonRpcMessage): void; reject(e: Error): void }[] = [];
  private failure: ChannelClosedError | undefined;

  /** Delivers `message` to the oldest waiting receiver, or queues it. */
  push(message: JsonRpcMessage): void {
    if (this.failure) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(message);
    else this.messages.push(message);
  }

  /** The next message; rejects with the close error once closed and drained. */
  receive(): Promise<JsonRpcMessage> {
    const next = this.messages.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Ends the inbox: queued messages stay receivable, then `error` is thrown. */
  close(error: ChannelClosedError): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** The close error, once closed. */
  get closeError(): ChannelClosedError | undefined {
    return this.failure;
  }
}
