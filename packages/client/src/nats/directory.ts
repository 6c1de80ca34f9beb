// `ClusterDirectory`: which nodes of a cluster are live, read from the cluster's JetStream KV
// bucket. It watches the whole bucket (one subject filter: a multi-key watch needs
// nats-server 2.10), loads the current entries, and judges liveness with a timer, because a node
// killed with SIGKILL never deletes its key. Liveness is measured on this process's own clock:
// a node is lost when no heartbeat of it has *arrived* for its TTL. Only entries found at start-up
// are aged by their `heartbeatAt` (the node's clock), clamped to one TTL, so a node whose clock is
// skewed is judged right from its next heartbeat on, and never later than one TTL. A TTL counts
// as at most 10 minutes (`MAX_NODE_TTL_MS`): anyone who can write the bucket can announce a node.
// Events: `node-up` (a node became live), `node-updated` (a live node's announcement changed, e.g.
// its load), `node-lost` (no heartbeat for its TTL, its key was deleted, or it restarted: a new
// `startedAt` under the same id means its terminals and sessions may be gone, so it is reported
// lost and then up again). A node lost by its TTL is reported again, `deleted`, if its key is
// deleted afterwards: an operator forgetting a node that is gone for good.
// A nats-server that restarts without its JetStream store (a container without a volume) comes
// back without the bucket, and so does a bucket someone deleted (`nats kv rm`, a stream delete)
// while everyone stayed connected; a watch of the old bucket stays silent for good (nats.js
// re-creates its consumer at the old bucket's sequence, which the new bucket reaches only after
// as many writes). So after every NATS reconnect, and every `bucketCheckIntervalMs` while
// connected, the directory asks for the bucket (one small JetStream API request): gone or created
// anew, it creates it if need be and watches it afresh (nodes put their announcements again on
// their next heartbeat).
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator, Status } from '@nats-io/transport-node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';
import { DEFAULT_NODE_TTL_MS, type NodeAnnouncement, parseAnnouncement } from './announcement';
import { clusterSubjects, DEFAULT_CLUSTER_NAME } from './subjects';

/** Options of {@link ClusterDirectory.open}. */
export interface ClusterDirectoryOptions {
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  /** How often liveness is checked. Default 500 ms. */
  checkIntervalMs?: number;
  /**
   * How often the bucket is checked to be the one watched (deleted or created anew: re-watched),
   * besides after every NATS reconnect. Default {@link DEFAULT_BUCKET_CHECK_INTERVAL_MS}.
   */
  bucketCheckIntervalMs?: number;
}

/**
 * Default of {@link ClusterDirectoryOptions.bucketCheckIntervalMs}: 5 s, a third of the default
 * node TTL, so that a deleted bucket is watched anew before its live nodes look lost.
 */
export const DEFAULT_BUCKET_CHECK_INTERVAL_MS = 5_000;

/** Why a node counts as lost. */
export type NodeLostReason = 'ttl' | 'deleted' | 'restarted';

/** The events of a {@link ClusterDirectory}. */
export interface ClusterDirectoryEvents {
  'node-up': NodeAnnouncement;
  'node-updated': NodeAnnouncement;
  /** A live node was lost; or (`deleted`) a node lost earlier by its TTL had its key deleted. */
  'node-lost': { id: string; reason: NodeLostReason; last: NodeAnnouncement };
}

interface Entry {
  announcement: NodeAnnouncement;
  revision: number;
  live: boolean;
  /** When its latest heartbeat arrived, on this process's monotonic clock (`performance.now()`). */
  seenAt: number;
}

/** True while an entry's latest heartbeat arrived at most its TTL ago. */
function fresh(entry: Pick<Entry, 'announcement' | 'seenAt'>, now: number = performance.now()): boolean {
  return now - entry.seenAt <= entry.announcement.ttlMs;
}

/** Opens (creating if needed) the KV bucket of a cluster's node announcements. */
export async function openNodesBucket(nc: NatsConnection, cluster: string, ttlMs: number): Promise<KV> {
  const { Kvm } = await import('@nats-io/kv');
  try {
    // Bucket TTL 3 × node TTL: entries of dead nodes vanish, live ones are refreshed in time.
    return await new Kvm(nc).create(clusterSubjects(cluster).bucket, { history: 1, ttl: 3 * ttlMs });
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.Unavailable,
      `Cannot open the node directory (JetStream KV bucket '${clusterSubjects(cluster).bucket}'): ${(error as Error).message}; start nats-server with JetStream (-js)`,
      { reason: 'no-jetstream' },
      { cause: error },
    );
  }
}

/** Longest pause between checks of the bucket after a reconnect (see `recheckBucket`). */
const RECHECK_MAX_MS = 5_000;

/** Live nodes of a cluster, kept current from its KV bucket. */
export class ClusterDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<keyof ClusterDirectoryEvents, Set<(event: never) => void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private bucketTimer: ReturnType<typeof setInterval> | undefined;
  // ES private fields, not `private`: the connection, the bucket and its watch hold the NATS
  // credentials (nats.js keeps them in the connection's options), and loggers print what they are
  // handed (`util.inspect`, `JSON.stringify`).
  readonly #nc: NatsConnection;
  #kv: KV;
  #watch: QueuedIterator<KvEntry> | undefined;
  private statusEvents: (AsyncIterable<Status> & { stop(): void }) | undefined;
  /** When the watched bucket's stream was created (a new one after a store loss). */
  private bucketCreated: string | undefined;
  /** False while NATS is away (between a disconnect and the reconnect). */
  private connected = true;
  /** The check of the bucket under way, if any; `checkAgain`: one more was asked for meanwhile. */
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private closed = false;

  private constructor(
    nc: NatsConnection,
    kv: KV,
    private readonly reopen: () => Promise<KV>,
  ) {
    this.#nc = nc;
    this.#kv = kv;
  }

  /** Opens the directory of `options.cluster`; resolves once the current entries are loaded. */
  static async open(nc: NatsConnection, options: ClusterDirectoryOptions = {}): Promise<ClusterDirectory> {
    const cluster = options.cluster ?? DEFAULT_CLUSTER_NAME;
    const reopen = () => openNodesBucket(nc, cluster, DEFAULT_NODE_TTL_MS);
    const directory = new ClusterDirectory(nc, await reopen(), reopen);
    await directory.start(
      options.checkIntervalMs ?? 500,
      options.bucketCheckIntervalMs ?? DEFAULT_BUCKET_CHECK_INTERVAL_MS,
    );
    directory.followConnection();
    return directory;
  }

  /** Announcements of the live nodes. */
  nodes(): NodeAnnouncement[] {
    return [...this.entries.values()].filter((e) => e.live).map((e) => e.announcement);
  }

  /** The live node `id`'s announcement, or undefined. */
  get(id: string): NodeAnnouncement | undefined {
    const entry = this.entries.get(id);
    return entry?.live ? entry.announcement : undefined;
  }

  /** Listens to an event; returns a function that stops listening. */
  on<E extends keyof ClusterDirectoryEvents>(
    event: E,
    listener: (event: ClusterDirectoryEvents[E]) => void,
  ): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (event: never) => void);
    const listeners = set;
    return () => {
      listeners.delete(listener as (event: never) => void);
    };
  }

  /** Stops watching. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.bucketTimer);
    this.stopWatch();
    this.statusEvents?.stop();
    this.listeners.clear();
  }

  private async start(checkIntervalMs: number, bucketCheckIntervalMs: number): Promise<void> {
    await this.watchBucket();
    this.timer = setInterval(() => this.check(), checkIntervalMs);
    this.timer.unref?.();
    // Not while NATS is away: the reconnect checks the bucket anyway.
    this.bucketTimer = setInterval(
      () => {
        if (this.connected && this.checking === undefined) this.checkBucketSoon();
      },
      Math.max(50, bucketCheckIntervalMs),
    );
    this.bucketTimer.unref?.();
  }

  /** Watches the bucket and loads its current entries. */
  private async watchBucket(): Promise<void> {
    this.bucketCreated = (await this.#kv.status()).streamInfo.created;
    // Watch first, then load: an update racing the load is kept by its higher revision.
    const watch = await this.#kv.watch({ include: 'updates' });
    this.#watch = watch;
    void (async () => {
      for await (const entry of watch) this.apply(entry);
    })()
      .catch(() => undefined)
      // nats.js ends a watch it gave up on (its consumer could not be created again): check the
      // bucket now rather than at the next tick. A watch stopped here (replaced, closed) is not.
      .then(() => {
        if (this.#watch !== watch || this.closed) return;
        this.#watch = undefined;
        this.checkBucketSoon();
      });
    const keys = await this.#kv.keys();
    const names: string[] = [];
    for await (const key of keys) names.push(key);
    for (const key of names) {
      const entry = await this.#kv.get(key);
      if (entry) this.apply(entry, true);
    }
  }

  /** Follows the connection: after each NATS reconnect, is the bucket still the one watched? */
  private followConnection(): void {
    // `status()` returns a QueuedIterator (typed as a plain AsyncIterable), which has `stop()`.
    const events = this.#nc.status() as AsyncIterable<Status> & { stop(): void };
    this.statusEvents = events;
    void (async () => {
      for await (const event of events) {
        if (event.type === 'disconnect' || event.type === 'staleConnection') this.connected = false;
        if (event.type === 'reconnect') {
          this.connected = true;
          this.checkBucketSoon();
        }
      }
    })().catch(() => undefined);
  }

  /** Checks the bucket now, or once more after the check under way (one check runs at a time). */
  private checkBucketSoon(): void {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.recheckBucket();
      } while (this.checkAgain && !this.closed);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.checking = undefined;
        // Asked for after the loop's last look (a reconnect just then): not lost.
        if (this.checkAgain && !this.closed) this.checkBucketSoon();
      });
  }

  /**
   * Checks the bucket until that succeeds: a nats-server that just started may not serve
   * JetStream yet, and no further reconnect would come to try again.
   */
  private async recheckBucket(): Promise<void> {
    for (let attempt = 0; !this.closed && !this.#nc.isClosed(); attempt++) {
      if (await this.checkBucket()) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(RECHECK_MAX_MS, 250 * 2 ** attempt)));
    }
  }

  /** True once the bucket watched is the one there (re-watched if it was gone or new). */
  private async checkBucket(): Promise<boolean> {
    let created: string | undefined;
    try {
      created = (await this.#kv.status()).streamInfo.created;
    } catch {
      // Gone, JetStream not ready yet, or NATS away again.
    }
    // The same bucket, still watched: nothing to do.
    if (created !== undefined && created === this.bucketCreated && this.#watch !== undefined) return true;
    try {
      const kv = await this.reopen();
      if (this.closed) return true;
      this.stopWatch();
      this.#kv = kv;
      // The new bucket counts revisions from 1 again: the old ones must not hide its entries.
      for (const entry of this.entries.values()) entry.revision = 0;
      await this.watchBucket();
      if (this.closed) this.stopWatch();
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the watch (it then reports nothing, and its end asks for no check). */
  private stopWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    watch?.stop();
  }

  /** `loaded`: found at start-up rather than arriving as an update, so aged by its `heartbeatAt`. */
  private apply(entry: KvEntry, loaded = false): void {
    const known = this.entries.get(entry.key);
    if (known && known.revision >= entry.revision) return;
    if (entry.operation !== 'PUT') {
      this.entries.delete(entry.key);
      // Also for a node already lost by its TTL: deleting its key is how an operator says it is
      // gone for good (its terminals then no longer count as possibly running).
      if (known) this.emit('node-lost', { id: entry.key, reason: 'deleted', last: known.announcement });
      return;
    }
    const announcement = parseAnnouncement(entry.value);
    if (!announcement || announcement.id !== entry.key) return;
    const now = performance.now();
    // The node's clock only ages an entry found at start-up, and by at most one TTL past it.
    const age = loaded
      ? Math.min(Math.max(Date.now() - announcement.heartbeatAt, 0), announcement.ttlMs + 1)
      : 0;
    const next = { announcement, revision: entry.revision, seenAt: now - age, live: false };
    next.live = fresh(next, now);
    this.entries.set(entry.key, next);
    const restarted = known?.live === true && known.announcement.startedAt !== announcement.startedAt;
    if (restarted) this.emit('node-lost', { id: entry.key, reason: 'restarted', last: known.announcement });
    if (next.live && (restarted || !known?.live)) this.emit('node-up', announcement);
    else if (next.live) this.emit('node-updated', announcement);
    else if (known?.live) this.emit('node-lost', { id: entry.key, reason: 'ttl', last: known.announcement });
  }

  private check(): void {
    const now = performance.now();
    for (const [id, entry] of this.entries) {
      if (!entry.live || fresh(entry, now)) continue;
      entry.live = false;
      this.emit('node-lost', { id, reason: 'ttl', last: entry.announcement });
    }
  }

  private emit<E extends keyof ClusterDirectoryEvents>(event: E, payload: ClusterDirectoryEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (event: ClusterDirectoryEvents[E]) => void)(payload);
      } catch {
        // A listener's failure must not stop the others or the watch.
      }
    }
  }
}
