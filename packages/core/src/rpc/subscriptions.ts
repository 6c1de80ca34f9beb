// Server side of `terminal.subscribe`: each subscription reads a terminal's output through a
// manual-ack subscription and acknowledges a chunk only once `channel.send` resolved, so a slow
// transport pauses the terminal (at most `highWaterMark` unacknowledged bytes wait here) instead
// of queueing without bound. `terminal.exit` follows the subscription's last chunk.
import type { ExitInfo } from '@orchflow/protocol';
import type { StreamEvent, Subscription } from '@orchflow/terminal';
import type { Orchestrator } from '../orchestrator';

/** Unacknowledged bytes per subscription before the terminal pauses: 1 MiB. */
export const SUBSCRIPTION_HIGH_WATER_MARK = 1024 * 1024;

/** Sends one notification; resolves once the transport accepted it. */
export type Notify = (
  method: 'terminal.output' | 'terminal.gap' | 'terminal.exit',
  params: Record<string, unknown>,
) => Promise<void>;

/** One connection's subscriptions. */
export class SubscriptionRegistry {
  private readonly active = new Map<string, ServerSubscription>();
  private counter = 0;

  constructor(
    private readonly orch: Orchestrator,
    private readonly notify: Notify,
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
    const subscription = new ServerSubscription(subscriptionId, terminalId, exited, this.notify, () =>
      this.active.delete(subscriptionId),
    );
    subscription.attach(
      this.orch.subscribeOutput(
        terminalId,
        { fromOffset: fromOffset ?? offset, manualAck: true, highWaterMark: SUBSCRIPTION_HIGH_WATER_MARK },
        (event) => subscription.push(event),
      ),
    );
    this.active.set(subscriptionId, subscription);
    return { subscriptionId, offset, start: () => subscription.start() };
  }

  /** Ends a subscription; false when this connection holds none with that id. */
  close(subscriptionId: string): boolean {
    const subscription = this.active.get(subscriptionId);
    subscription?.close();
    return subscription !== undefined;
  }

  /** Ends every subscription (the connection closed). */
  closeAll(): void {
    for (const subscription of [...this.active.values()]) subscription.close();
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.active.size;
  }
}

/** One terminal's output flowing to one connection. */
class ServerSubscription {
  private readonly queue: StreamEvent[] = [];
  private subscription: Subscription | undefined;
  private started = false;
  private sending = false;
  private closed = false;

  constructor(
    private readonly id: string,
    private readonly terminalId: string,
    private readonly exited: Promise<ExitInfo>,
    private readonly notify: Notify,
    private readonly onClose: () => void,
  ) {}

  attach(subscription: Subscription): void {
    this.subscription = subscription;
    if (this.closed) subscription.dispose();
  }

  push(event: StreamEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    void this.drain();
  }

  start(): void {
    this.started = true;
    void this.drain();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.subscription?.dispose();
    this.onClose();
  }

  private async drain(): Promise<void> {
    if (this.sending || !this.started) return;
    this.sending = true;
    try {
      for (let event = this.queue.shift(); event && !this.closed; event = this.queue.shift()) {
        await this.send(event);
      }
    } catch {
      // The channel is gone; the connection's close cleanup disposes the rest.
      this.close();
    } finally {
      this.sending = false;
    }
  }

  private async send(event: StreamEvent): Promise<void> {
    const base = { terminalId: this.terminalId, subscriptionId: this.id };
    if (event.type === 'data') {
      await this.notify('terminal.output', { ...base, data: event.data, offset: event.offset });
      // Ack only now: this is what holds a terminal paused behind a slow transport.
      if (!this.closed) this.subscription?.ack(event.nextOffset);
    } else if (event.type === 'gap') {
      await this.notify('terminal.gap', { ...base, from: event.from, to: event.to });
    } else {
      const exit = await this.exited;
      await this.notify('terminal.exit', { ...base, exitCode: exit.exitCode, signal: exit.signal });
      this.close();
    }
  }
}
