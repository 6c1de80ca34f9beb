// `streamOutput()`: a terminal's output as an async iterable with backpressure. It reads through
// a manual-ack subscription and acknowledges an event when the consumer asks for the next one, so
// a slow `for await` body holds the PTY paused (at most `highWaterMark` unread bytes are queued)
// instead of buffering without bound. Leaving the loop disposes the subscription.
import type { MuxSession } from '@orchflow/mux';
import type { StreamEvent, Subscription } from '@orchflow/terminal';

/** Default unacknowledged bytes of one output stream before the terminal pauses (256 KiB). */
export const DEFAULT_STREAM_HIGH_WATER_MARK = 256 * 1024;

/** Options of `Orchestrator.streamOutput`. */
export interface StreamOutputOptions {
  /** Replay retained output from this offset first. Default: live output from when iteration starts. */
  fromOffset?: number;
  /** Ends the iteration (it completes; it does not throw). */
  signal?: AbortSignal;
  /** Unread bytes at which the terminal pauses. Default {@link DEFAULT_STREAM_HIGH_WATER_MARK}. */
  highWaterMark?: number;
}

/** Reads one terminal's output; one per `for await` loop. */
export class OutputIterator implements AsyncIterator<StreamEvent> {
  private readonly queue: StreamEvent[] = [];
  private readonly subscription: Subscription;
  private waiter: ((result: IteratorResult<StreamEvent>) => void) | undefined;
  private toAck: number | undefined;
  private done = false;
  private readonly onAbort = (): void => this.finish();

  /** Subscribes to `session` from `options.fromOffset`; throws InvalidParams for a bad offset. */
  constructor(
    session: MuxSession,
    private readonly options: StreamOutputOptions,
  ) {
    this.subscription = session.subscribe(
      {
        fromOffset: options.fromOffset,
        manualAck: true,
        highWaterMark: options.highWaterMark ?? DEFAULT_STREAM_HIGH_WATER_MARK,
      },
      (event) => this.deliver(event),
    );
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.signal?.aborted) this.finish();
  }

  /** The next event; pulling it acknowledges the one before. */
  next(): Promise<IteratorResult<StreamEvent>> {
    if (this.toAck !== undefined && !this.done) {
      const offset = this.toAck;
      this.toAck = undefined;
      // May deliver more events synchronously into the queue.
      this.subscription.ack(offset);
    }
    const event = this.queue.shift();
    if (event) return Promise.resolve(this.hand(event));
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops reading (called by `break` in `for await`). */
  return(): Promise<IteratorResult<StreamEvent>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  private deliver(event: StreamEvent): void {
    if (this.done) return;
    const resolve = this.waiter;
    if (resolve) {
      this.waiter = undefined;
      resolve(this.hand(event));
    } else {
      this.queue.push(event);
    }
  }

  private hand(event: StreamEvent): IteratorResult<StreamEvent> {
    if (event.type === 'data') this.toAck = event.nextOffset;
    // The end notice is the last event; the subscription has nothing more to give.
    if (event.type === 'end') this.finish(false);
    return { value: event, done: false };
  }

  private finish(dropQueued = true): void {
    if (this.done) return;
    this.done = true;
    if (dropQueued) this.queue.length = 0;
    this.subscription.dispose();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const resolve = this.waiter;
    this.waiter = undefined;
    resolve?.({ value: undefined, done: true });
  }
}

/** An async iterable over a session's output; each `for await` gets its own subscription. */
export function outputIterable(
  session: MuxSession,
  options: StreamOutputOptions,
): AsyncIterable<StreamEvent> {
  return { [Symbol.asyncIterator]: () => new OutputIterator(session, options) };
}
