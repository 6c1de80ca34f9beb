// `ChannelFeed`: one terminal's output flowing to one channel as `terminal.output`, `terminal.gap`
// and `terminal.exit` notifications, over a manual-ack subscription. A chunk is acknowledged only
// once its notification was accepted, so a slow transport pauses the terminal (at most the
// subscription's high watermark waits) instead of queueing without bound; `terminal.exit` follows
// the last chunk. Used by core's `terminal.subscribe`.
//
// The slow-consumer rule: a reader may hold the terminal back only for a bounded time. A feed that
// has used up its credit and made no progress for `maxStallMs` is demoted: its subscription is
// reopened lossy (it no longer pauses the terminal, it keeps only one small credit of pending
// output beside the send in flight) and, if the ring rotates past it, it gets `terminal.gap` and
// continues from the ring's start.
import { type ExitInfo, MAX_TIMER_MS } from '@orchflow/protocol';
import { attachRawOutput, defineLazyData } from './raw-output';
import {
  type DataEvent,
  DEFAULT_HIGH_WATER_MARK,
  type StreamEvent,
  type SubscribeOptions,
  type Subscription,
} from './subscribers';

/** Default time a feed may hold its terminal paused without progress before it is demoted. */
export const DEFAULT_MAX_STALL_MS = 2_000;
// 64 KiB, one replay page: a demoted feed keeps about one send's worth besides the one in flight.
const LOSSY_HIGH_WATER_MARK = 64 * 1024;
// A subscription may stop up to one UTF-8 character short of its credit.
const CREDIT_SLACK_BYTES = 4;

/** A notification a feed sends. */
export type FeedNotification =
  | {
      method: 'terminal.output';
      params: {
        terminalId: string;
        subscriptionId?: string;
        data: string;
        offset: number;
        nextOffset: number;
      };
    }
  | {
      method: 'terminal.gap';
      params: { terminalId: string; subscriptionId?: string; from: number; to: number };
    }
  | { method: 'terminal.exit'; params: { terminalId: string; subscriptionId?: string } & ExitInfo };

/** Options of a {@link ChannelFeed}. */
export interface ChannelFeedOptions {
  terminalId: string;
  /** Named in every notification, for receivers that hold several subscriptions. */
  subscriptionId?: string;
  /** How the terminal ended; awaited once the output has ended, for `terminal.exit`. */
  exited: Promise<ExitInfo>;
  /** Sends one notification; resolves once the transport accepted it, rejects when it cannot. */
  notify: (notification: FeedNotification) => Promise<void>;
  /** Hold delivery until {@link ChannelFeed.start} (e.g. until a subscribe response went out). */
  deferred?: boolean;
  /** Called once when the feed closes: after the exit was sent, on `close()`, or on a send failure. */
  onClose?: () => void;
  /** Called with the error of a failed send; the feed has closed by then. */
  onError?: (error: unknown) => void;
  /**
   * Opens a subscription for this feed's terminal; the feed uses it to reopen itself lossy when
   * it is demoted. Without it the slow-consumer rule is off and a stalled reader holds the
   * terminal until its transport fails.
   */
  subscribe?: (options: SubscribeOptions, listener: (event: StreamEvent) => void) => Subscription;
  /** Credit of the attached subscription (its `highWaterMark`). Default 1 MiB. */
  highWaterMark?: number;
  /**
   * How long a feed may hold the terminal paused without progress. Default 2 s; Infinity (or
   * anything beyond a timer's 2^31 − 1 ms): forever.
   */
  maxStallMs?: number;
  /** Called once when the feed is demoted to lossy delivery. */
  onDemote?: () => void;
}

/** Delivers one subscription's events in order, acknowledging each chunk once it was sent. */
export class ChannelFeed {
  private readonly queue: StreamEvent[] = [];
  private subscription: Subscription | undefined;
  private started: boolean;
  private sending = false;
  private inFlight = false;
  private closed = false;
  private lossy = false;
  /** Data bytes delivered by the (holding) subscription and not yet acknowledged. */
  private unacked = 0;
  /** Offset up to which events were handed to `notify`: where a reopened subscription resumes. */
  private position: number | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  /** Callers of {@link handedOut} waiting for the feed to catch up or to pass their offset. */
  private readonly waiters = new Set<{ upTo: number; resolve: () => void }>();

  /** A feed that is not yet attached to a subscription. */
  constructor(private readonly options: ChannelFeedOptions) {
    this.started = !options.deferred;
  }

  /** The subscription listener: pass it to `subscribe({ manualAck: true }, feed.push)`. */
  readonly push = (event: StreamEvent): void => {
    if (!this.lossy) this.accept(event);
  };

  /** Binds the subscription this feed acknowledges (and disposes when it closes). */
  attach(subscription: Subscription): this {
    this.subscription = subscription;
    if (this.closed) subscription.dispose();
    return this;
  }

  /** Starts delivery of a deferred feed. */
  start(): void {
    this.started = true;
    void this.drain();
  }

  /** True once the feed has closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True once the slow-consumer rule demoted this feed to lossy delivery. */
  get isLossy(): boolean {
    return this.lossy;
  }

  /**
   * Resolves once everything the terminal has flushed so far was handed to `notify` (sent, not
   * necessarily accepted): a reply sent after it reaches the reader after that output. `upTo` is
   * the terminal's output end now: output that follows does not extend the wait (the feed may
   * never be idle while a program keeps printing). Undefined when nothing is left to hand out. A
   * closed or demoted (lossy) feed is promised nothing and never waits. A reader that stopped
   * reading makes it wait until its transport fails or the feed closes: a caller bounds its wait
   * with `signal`, whose abort drops the wait (so a stalled feed does not collect one per caller)
   * and rejects with the signal's reason.
   */
  handedOut(upTo: number, signal?: AbortSignal): Promise<void> | undefined {
    if (this.caughtUp() || this.passed(upTo)) return undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter = {
        upTo,
        resolve: () => {
          // A long-lived signal must not keep this settled wait reachable.
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops delivery and disposes the subscription; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.stallTimer);
    this.queue.length = 0;
    this.subscription?.dispose();
    this.wakeWaiters();
    this.options.onClose?.();
  }

  // Nothing is queued, and the subscription holds nothing back for want of credit (it may while
  // a send is in flight with the credit used up: the ack that follows releases more).
  private caughtUp(): boolean {
    if (this.closed || this.lossy) return true;
    if (!this.started || this.queue.length > 0) return false;
    const credit = this.options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    return !(this.inFlight && this.unacked + CREDIT_SLACK_BYTES >= credit);
  }

  private passed(upTo: number): boolean {
    return this.position !== undefined && this.position >= upTo;
  }

  private wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    const all = this.caughtUp();
    for (const waiter of this.waiters) {
      if (!all && !this.passed(waiter.upTo)) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }

  private accept(event: StreamEvent): void {
    if (this.closed) return;
    if (event.type === 'data' && !this.lossy) this.unacked += event.nextOffset - event.offset;
    this.queue.push(event);
    this.watchStall();
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.sending || !this.started) return;
    this.sending = true;
    try {
      for (let event = this.queue.shift(); event && !this.closed; event = this.queue.shift()) {
        await this.send(event);
      }
    } catch (error) {
      this.close();
      this.options.onError?.(error);
    } finally {
      this.sending = false;
      this.wakeWaiters();
    }
  }

  private async send(event: StreamEvent): Promise<void> {
    const { terminalId, subscriptionId, notify } = this.options;
    const base = subscriptionId === undefined ? { terminalId } : { terminalId, subscriptionId };
    if (event.type === 'data') {
      const { offset, nextOffset } = event;
      const holding = !this.lossy;
      this.position = nextOffset;
      const sent = this.progress(notify({ method: 'terminal.output', params: outputParams(base, event) }));
      this.wakeWaiters();
      await sent;
      if (holding && !this.lossy) this.unacked -= nextOffset - offset;
      // Ack only now: this is what holds a terminal paused behind a slow transport.
      if (!this.closed) this.subscription?.ack(nextOffset);
      this.watchStall();
    } else if (event.type === 'gap') {
      this.position = event.to;
      await this.progress(
        notify({ method: 'terminal.gap', params: { ...base, from: event.from, to: event.to } }),
      );
    } else {
      const { exitCode, signal } = await this.options.exited;
      if (this.closed) return;
      await notify({ method: 'terminal.exit', params: { ...base, exitCode, signal } });
      this.close();
    }
  }

  /** Marks a send in flight until it settles; settling is progress and restarts the stall clock. */
  private async progress(sent: Promise<void>): Promise<void> {
    this.inFlight = true;
    // The credit may already be used up (refilled by the last ack): the clock starts now.
    this.watchStall();
    try {
      await sent;
    } finally {
      this.inFlight = false;
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  /** Starts the stall clock while this feed has used up its credit behind a send in flight. */
  private watchStall(): void {
    const maxStallMs = this.options.maxStallMs ?? DEFAULT_MAX_STALL_MS;
    // Beyond a timer's range (~24.8 days) is forever: setTimeout would fire at once instead.
    if (this.lossy || this.closed || !this.options.subscribe || !(maxStallMs <= MAX_TIMER_MS)) return;
    const credit = this.options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const holding = this.inFlight && this.unacked + CREDIT_SLACK_BYTES >= credit;
    if (!holding) {
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    } else if (this.stallTimer === undefined) {
      this.stallTimer = setTimeout(() => this.demote(), maxStallMs);
      this.stallTimer.unref?.();
    }
  }

  /** Lets the terminal go: reopens the subscription lossy from what was already handed out. */
  private demote(): void {
    const subscribe = this.options.subscribe;
    const first = this.queue[0];
    const from =
      this.position ??
      (first?.type === 'data' ? first.offset : first?.type === 'gap' ? first.from : undefined);
    if (this.closed || this.lossy || !subscribe || from === undefined) return;
    this.lossy = true;
    this.stallTimer = undefined;
    this.unacked = 0;
    // Everything queued is still in the ring (or reported as a gap when reread): drop it.
    this.queue.length = 0;
    this.subscription?.dispose();
    this.subscription = undefined;
    this.options.onDemote?.();
    this.wakeWaiters();
    try {
      this.subscription = subscribe(
        { fromOffset: from, manualAck: true, highWaterMark: LOSSY_HIGH_WATER_MARK, holdsProducer: false },
        (event) => this.accept(event),
      );
    } catch (error) {
      // The terminal is gone (removed, orchestrator shut down): nothing is left to deliver.
      this.close();
      this.options.onError?.(error);
    }
  }
}

/**
 * The params of a `terminal.output` notification. For live output `data` stays undecoded until a
 * transport reads it, and the raw bytes ride along (`rawOutputOf`) for transports that send bytes.
 */
function outputParams(
  base: { terminalId: string; subscriptionId?: string },
  event: DataEvent,
): Extract<FeedNotification, { method: 'terminal.output' }>['params'] {
  const { offset, nextOffset, bytes } = event;
  if (!bytes) return { ...base, data: event.data, offset, nextOffset };
  const params = defineLazyData({ ...base }, () => event.data) as Extract<
    FeedNotification,
    { method: 'terminal.output' }
  >['params'];
  params.offset = offset;
  params.nextOffset = nextOffset;
  return attachRawOutput(params, bytes);
}
