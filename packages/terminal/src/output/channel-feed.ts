// `ChannelFeed`: one terminal's output flowing to one channel as `terminal.output`, `terminal.gap`
// and `terminal.exit` notifications, over a manual-ack subscription. A chunk is acknowledged only
// once its notification was accepted, so a slow transport pauses the terminal (at most the
// subscription's high watermark waits) instead of queueing without bound; `terminal.exit` follows
// the last chunk. Used by `TerminalStreamManager` and by core's `terminal.subscribe`.
import type { ExitInfo } from '@orchflow/protocol';
import type { StreamEvent, Subscription } from './subscribers';

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
}

/** Delivers one subscription's events in order, acknowledging each chunk once it was sent. */
export class ChannelFeed {
  private readonly queue: StreamEvent[] = [];
  private subscription: Subscription | undefined;
  private started: boolean;
  private sending = false;
  private closed = false;

  /** A feed that is not yet attached to a subscription. */
  constructor(private readonly options: ChannelFeedOptions) {
    this.started = !options.deferred;
  }

  /** The subscription listener: pass it to `subscribe({ manualAck: true }, feed.push)`. */
  readonly push = (event: StreamEvent): void => {
    if (this.closed) return;
    this.queue.push(event);
    void this.drain();
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

  /** Stops delivery and disposes the subscription; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.subscription?.dispose();
    this.options.onClose?.();
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
    }
  }

  private async send(event: StreamEvent): Promise<void> {
    const { terminalId, subscriptionId, notify } = this.options;
    const base = subscriptionId === undefined ? { terminalId } : { terminalId, subscriptionId };
    if (event.type === 'data') {
      const { data, offset, nextOffset } = event;
      await notify({ method: 'terminal.output', params: { ...base, data, offset, nextOffset } });
      // Ack only now: this is what holds a terminal paused behind a slow transport.
      if (!this.closed) this.subscription?.ack(nextOffset);
    } else if (event.type === 'gap') {
      await notify({ method: 'terminal.gap', params: { ...base, from: event.from, to: event.to } });
    } else {
      const { exitCode, signal } = await this.options.exited;
      if (this.closed) return;
      await notify({ method: 'terminal.exit', params: { ...base, exitCode, signal } });
      this.close();
    }
  }
}
