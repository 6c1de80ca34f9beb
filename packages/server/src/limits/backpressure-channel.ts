// Backpressure for channels over byte streams (stdio, Unix sockets), which have no limits of their
// own: the same per-connection cap on requests in flight as WebSocket and HTTP sessions (the shared
// `InFlightLimit`: Overloaded, one array for a batch), and no reading while replies cannot be
// written. `StreamChannel.send()` resolves only once the stream accepts more (`write()` returned
// false → 'drain'), so while any send is unsettled the next message is not taken; the channel's
// own inbound queue then fills and pauses the socket. A client that pipelines requests and never
// reads thus holds at most the in-flight cap of handlers, the stream's buffers and one inbound
// queue — not a response per request it sent.
import type { IpcChannel, JsonRpcMessage } from '@orchflow/protocol';
import { InFlightLimit } from './in-flight-limit';

/** Options of {@link BackpressureChannel}. */
export interface BackpressureChannelOptions {
  /** Requests answered concurrently before further ones get Overloaded. */
  maxInFlight: number;
}

/** An {@link IpcChannel} wrapper that caps requests in flight and stops reading while sends wait. */
export class BackpressureChannel implements IpcChannel {
  private readonly limit: InFlightLimit;
  private unsettled = 0;
  private idle: Promise<void> | undefined;
  private resolveIdle: (() => void) | undefined;

  constructor(
    private readonly inner: IpcChannel,
    options: BackpressureChannelOptions,
  ) {
    this.limit = new InFlightLimit(options.maxInFlight);
  }

  /** True once the underlying channel closed. */
  get closed(): boolean {
    return this.inner.closed;
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.limit.size;
  }

  /** Sends waiting for the stream to accept more (while any do, nothing is read). */
  get blockedSends(): number {
    return this.unsettled;
  }

  /** Sends `message`; a response stops counting against the cap. */
  send(message: JsonRpcMessage): Promise<void> {
    this.limit.settle(message);
    return this.track(this.inner.send(message));
  }

  /** The next admitted message, taken only once earlier sends went through. */
  async receive(): Promise<JsonRpcMessage> {
    for (;;) {
      while (this.idle) await this.idle;
      const message = await this.inner.receive();
      const overloaded = this.limit.admit(message);
      if (!overloaded) return message;
      // Best effort: if the stream closes meanwhile there is nobody left to tell.
      this.track(this.inner.send(overloaded)).catch(() => undefined);
    }
  }

  /** Closes the underlying channel. */
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Iterates admitted messages until the channel closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<JsonRpcMessage> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (this.inner.closed) return;
        throw error;
      }
    }
  }

  private track(sent: Promise<void>): Promise<void> {
    if (this.unsettled++ === 0) {
      this.idle = new Promise((resolve) => {
        this.resolveIdle = resolve;
      });
    }
    const settle = (): void => {
      if (--this.unsettled > 0) return;
      this.idle = undefined;
      this.resolveIdle?.();
    };
    sent.then(settle, settle);
    return sent;
  }
}
