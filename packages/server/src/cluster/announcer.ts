// A node's entry in the cluster's KV bucket: put at start, refreshed every `ttlMs / 3` (the
// heartbeat), put again soon after its load changes (debounced, so a burst of spawns is one
// write) and after NATS reconnects; deleted on a graceful stop. Load is the number of live
// terminals, recounted from the orchestrator's spawn and exit events. One put runs at a time: one
// asked for meanwhile runs once after it, with the announcement as it is then (while NATS is away
// a put waits out its 5 s timeout, and heartbeats would otherwise pile up behind it). A put the
// server answers with "no stream" re-creates the bucket and tries again (a nats-server that lost
// its JetStream store comes back without it); a timeout or a closed connection does not.
import type { KV } from '@nats-io/kv';
import type { NodeAnnouncement } from '@orchflow/client/internal';
import type { Orchestrator } from '@orchflow/core';

/** How long a load change may wait before it is announced. */
export const LOAD_DEBOUNCE_MS = 250;

/** Keeps one node's announcement current in the KV bucket. */
export class Announcer {
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private readonly recount = (): void => this.loadChanged();
  private announcement: NodeAnnouncement;
  private stopped = false;
  /** The put under way, if any. */
  private putting: Promise<void> | undefined;
  /** A put was asked for while one ran: run one more after it. */
  private again = false;

  // An ES private field, not `private`: the bucket holds the NATS connection, whose options hold
  // its credentials, and loggers print what they are handed (`util.inspect`, `JSON.stringify`).
  #kv: KV;

  constructor(
    kv: KV,
    private readonly orchestrator: Orchestrator,
    base: Omit<NodeAnnouncement, 'load' | 'heartbeatAt'>,
    private readonly onError: (error: Error) => void,
    /** Opens the bucket again, creating it if it is gone (openNodesBucket). */
    private readonly reopen?: () => Promise<KV>,
  ) {
    this.#kv = kv;
    this.announcement = { ...base, load: this.load(), heartbeatAt: Date.now() };
  }

  /** The announcement as last put (or about to be). */
  current(): NodeAnnouncement {
    return { ...this.announcement, load: this.load(), heartbeatAt: Date.now() };
  }

  /** Puts the announcement and starts the heartbeat and load tracking. */
  async start(): Promise<void> {
    await this.put();
    this.heartbeat = setInterval(
      () => void this.put(),
      Math.max(100, Math.floor(this.announcement.ttlMs / 3)),
    );
    this.heartbeat.unref?.();
    this.orchestrator.on('terminal.spawn', this.recount);
    this.orchestrator.on('terminal.exit', this.recount);
  }

  /**
   * Puts the announcement now (heartbeat, load change, or after a NATS reconnect); resolves once
   * it is put or failed (the failure goes to `onError`). Coalesced with a put under way.
   */
  put(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.putting) {
      this.again = true;
      return this.putting;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.putOnce();
        } while (this.again && !this.stopped);
      } finally {
        this.putting = undefined;
      }
    };
    this.putting = run();
    return this.putting;
  }

  private async putOnce(): Promise<void> {
    if (this.stopped) return;
    this.announcement = this.current();
    const value = JSON.stringify(this.announcement);
    try {
      await this.#kv.put(this.announcement.id, value);
    } catch (error) {
      // nats.js says JetStreamNotEnabled when nothing answers on the bucket's subject: the stream
      // is gone (nats-server lost its JetStream store: restarted without its volume), and without
      // a bucket no router sees any node. Create it again and put once more. A timeout or a closed
      // connection means NATS is away; the next heartbeat, or the reconnect, puts it again.
      if (!this.reopen || this.stopped || (error as Error).name !== 'JetStreamNotEnabled') {
        this.onError(error as Error);
        return;
      }
      try {
        this.#kv = await this.reopen();
        await this.#kv.put(this.announcement.id, value);
      } catch {
        this.onError(error as Error);
      }
    }
  }

  /** Stops heartbeating; deletes the key unless `keepKey` (then the TTL expires it). */
  async stop(keepKey = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.debounce);
    this.orchestrator.off('terminal.spawn', this.recount);
    this.orchestrator.off('terminal.exit', this.recount);
    // A put that lands after the delete would announce a stopped node for one more TTL.
    await this.putting?.catch(() => undefined);
    if (!keepKey) await this.#kv.delete(this.announcement.id).catch((error: Error) => this.onError(error));
  }

  private loadChanged(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (this.load() !== this.announcement.load) void this.put();
    }, LOAD_DEBOUNCE_MS);
    this.debounce.unref?.();
  }

  private load(): number {
    if (this.orchestrator.isShutDown) return 0;
    return this.orchestrator.listTerminals().filter((t) => t.state !== 'exited').length;
  }
}
