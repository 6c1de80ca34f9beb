// Server side of `terminal.subscribe`: each subscription is a `ChannelFeed` (from
// @orchflow/terminal) over a manual-ack subscription, acknowledging a chunk only once
// `channel.send` resolved, so a slow transport pauses the terminal (at most `highWaterMark`
// unacknowledged bytes wait here) instead of queueing without bound. `terminal.exit` follows the
// subscription's last chunk. The slow-consumer rule applies: a subscription that holds its
// terminal paused for `maxStallMs` without progress is demoted to lossy delivery (see ChannelFeed).
// A connection subscribed to a terminal (once or more) also gets its `terminal.activity` changes.
import { type Disposer, MAX_TIMER_MS, type TerminalActivity } from '@orchflow/protocol';
import { DEFAULT_MAX_STALL_MS } from '@orchflow/terminal';
import { ChannelFeed, type FeedNotification } from '@orchflow/terminal/internal';
import type { Orchestrator } from '../orchestrator';

/** Unacknowledged bytes per subscription before the terminal pauses: 1 MiB. */
export const SUBSCRIPTION_HIGH_WATER_MARK = 1024 * 1024;

/** Sends one notification; resolves once the transport accepted it. */
export type Notify = (
  notification: FeedNotification | { method: 'terminal.activity'; params: TerminalActivity },
) => Promise<void>;

/** One connection's subscriptions. */
export class SubscriptionRegistry {
  private readonly active = new Map<string, { feed: ChannelFeed; terminalId: string }>();
  /** Per terminal: its activity listener and how many of this connection's subscriptions hold it. */
  private readonly activity = new Map<string, { stop: Disposer; holders: number }>();
  private counter = 0;

  constructor(
    private readonly orch: Orchestrator,
    private readonly notify: Notify,
    /** How long one subscriber may hold a terminal paused; default `DEFAULT_MAX_STALL_MS` (2 s). */
    private readonly maxStallMs?: number,
  ) {}

  /**
   * Subscribes to `terminalId` from `fromOffset` (default: live output). Delivery starts on
   * `start()`, which the caller invokes once the subscribe response is on its way, so a client
   * always learns the subscription id before its first chunk.
   */
  open(
    terminalId: string,
    fromOffset: number | undefined,
  ): { subscriptionId: string; offset: number; start(): void } {
    const { exited } = this.orch.getTerminal(terminalId);
    // Pinning live subscriptions to the current end makes the reported offset exact.
    const retained = this.orch.read(terminalId, { fromOffset, maxBytes: 1 });
    const offset = fromOffset === undefined ? retained.endOffset : Math.max(fromOffset, retained.offset);
    const subscriptionId = `sub-${++this.counter}`;
    const feed = new ChannelFeed({
      terminalId,
      subscriptionId,
      exited,
      // A failed send closes the feed; the connection's close cleanup disposes the rest.
      notify: this.notify,
      deferred: true,
      onClose: () => {
        this.active.delete(subscriptionId);
        this.releaseActivity(terminalId);
      },
      subscribe: (options, listener) => this.orch.subscribeOutput(terminalId, options, listener),
      highWaterMark: SUBSCRIPTION_HIGH_WATER_MARK,
      maxStallMs: this.maxStallMs,
    });
    feed.attach(
      this.orch.subscribeOutput(
        terminalId,
        { fromOffset: fromOffset ?? offset, manualAck: true, highWaterMark: SUBSCRIPTION_HIGH_WATER_MARK },
        feed.push,
      ),
    );
    this.active.set(subscriptionId, { feed, terminalId });
    this.holdActivity(terminalId);
    return { subscriptionId, offset, start: () => feed.start() };
  }

  private holdActivity(terminalId: string): void {
    const held = this.activity.get(terminalId);
    if (held) {
      held.holders++;
      return;
    }
    const stop = this.orch.onActivity(terminalId, (params) => {
      // A closed channel rejects; the connection's own close path cleans up.
      this.notify({ method: 'terminal.activity', params }).catch(() => undefined);
    });
    this.activity.set(terminalId, { stop, holders: 1 });
  }

  private releaseActivity(terminalId: string): void {
    const held = this.activity.get(terminalId);
    if (!held || --held.holders > 0) return;
    held.stop.dispose();
    this.activity.delete(terminalId);
  }

  /** True while this connection holds a subscription on `terminalId` (it hears its activity and floor). */
  watches(terminalId: string): boolean {
    return this.activity.has(terminalId);
  }

  /**
   * Resolves once this connection's subscriptions on these terminals have sent everything the
   * terminals flushed so far (see `ChannelFeed.handedOut`), so a reply sent next follows that
   * output; undefined when none has anything left to send. A reader that stopped reading holds a
   * reply back at most `maxStallMs` (as long as it may hold a terminal paused).
   */
  handedOut(...terminalIds: string[]): Promise<void> | undefined {
    const boundMs = this.maxStallMs ?? DEFAULT_MAX_STALL_MS;
    // When the bound wins, the feeds drop their waits: a stalled reader would otherwise collect
    // one per request until it catches up or its feed closes. A bound beyond a timer's range is
    // forever, as it is for the feed's own stall clock.
    const giveUp = boundMs <= MAX_TIMER_MS ? new AbortController() : undefined;
    const pending: Promise<void>[] = [];
    for (const entry of this.active.values()) {
      if (!terminalIds.includes(entry.terminalId)) continue;
      const waiting = entry.feed.handedOut(this.outputEnd(entry.terminalId), giveUp?.signal);
      if (waiting) pending.push(waiting);
    }
    if (pending.length === 0) return undefined;
    const all = Promise.all(pending);
    if (!giveUp) return all.then(() => undefined);
    return new Promise((resolve) => {
      const bound = setTimeout(() => {
        giveUp.abort();
        resolve();
      }, boundMs);
      bound.unref?.();
      // Rejected only by the abort above, which has resolved already.
      all.then(
        () => {
          clearTimeout(bound);
          resolve();
        },
        () => undefined,
      );
    });
  }

  // The end of the terminal's output now; a removed terminal's feed has closed (it waits for nothing).
  private outputEnd(terminalId: string): number {
    try {
      return this.orch.read(terminalId, { maxBytes: 1 }).endOffset;
    } catch {
      return 0;
    }
  }

  /** Ends a subscription; false when this connection holds none with that id. */
  close(subscriptionId: string): boolean {
    const subscription = this.active.get(subscriptionId);
    subscription?.feed.close();
    return subscription !== undefined;
  }

  /** Ends every subscription (the connection closed). */
  closeAll(): void {
    for (const { feed } of [...this.active.values()]) feed.close();
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.active.size;
  }
}
