// One `subscribeEvents()` consumer: a bounded queue read as an async iterator. A consumer that
// falls behind never makes memory grow: once `queueSize` events wait, the oldest is dropped and
// counted, and the next read yields one `events.dropped` marker with the count before the rest.
import type { OrchestratorEvent, OrchestratorEventName } from './events';
import { checkLimit } from './options';

/** Options of `Orchestrator.subscribeEvents`. */
export interface SubscribeEventsOptions {
  /** Ends the iteration (it completes; it does not throw). */
  signal?: AbortSignal;
  /** Only these event types. Default: all. */
  types?: readonly OrchestratorEventName[];
  /** Events buffered before the oldest is dropped. Default: the orchestrator's `eventQueueSize`. */
  queueSize?: number;
}

/** A bounded, drop-oldest event queue read with `for await`. */
export class EventStream implements AsyncIterableIterator<OrchestratorEvent> {
  private readonly queue: OrchestratorEvent[] = [];
  private readonly types: ReadonlySet<OrchestratorEventName> | undefined;
  private dropped = 0;
  private waiter: ((result: IteratorResult<OrchestratorEvent>) => void) | undefined;
  private closed = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.discard();

  /** A stream holding at most `queueSize` events; `onClose` runs once when it closes. */
  constructor(
    private readonly queueSize: number,
    options: SubscribeEventsOptions,
    private readonly onClose: (stream: EventStream) => void,
  ) {
    checkLimit('queueSize', queueSize);
    this.types = options.types ? new Set(options.types) : undefined;
    this.signal = options.signal;
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.signal?.aborted) this.discard();
  }

  /** True once the stream has ended or been stopped. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True when this stream wants events of `type`. */
  accepts(type: OrchestratorEventName): boolean {
    return !this.closed && (this.types === undefined || this.types.has(type));
  }

  /** Queues an event, dropping the oldest when full. */
  push(event: OrchestratorEvent): void {
    if (this.closed) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= this.queueSize) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(event);
  }

  /** Ends the stream after the events already queued (orchestrator shutdown). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onClose(this);
    this.settleWaiter();
  }

  /** The next event; waits for one. */
  next(): Promise<IteratorResult<OrchestratorEvent>> {
    if (this.dropped > 0) {
      const count = this.dropped;
      this.dropped = 0;
      return Promise.resolve({ value: { type: 'events.dropped', data: { count } }, done: false });
    }
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops the stream (called by `break` in `for await`). */
  return(): Promise<IteratorResult<OrchestratorEvent>> {
    this.discard();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The stream is its own iterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<OrchestratorEvent> {
    return this;
  }

  private discard(): void {
    this.queue.length = 0;
    this.dropped = 0;
    this.end();
  }

  private settleWaiter(): void {
    const resolve = this.waiter;
    this.waiter = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
