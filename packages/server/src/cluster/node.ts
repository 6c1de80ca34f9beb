// `ClusterNode`: serves an Orchestrator to an orchflow cluster over NATS. It connects (or uses a
// given connection), announces itself in the cluster's KV bucket with a heartbeat, answers
// discovery (`<prefix>.discover`, NATS micro `$SRV.PING/INFO`) and serves sessions (sessions.ts).
// When NATS drops, its sessions end (messages may have been lost; clients reconnect and resume by
// offset) and, once NATS is back, it announces itself again. `stop()` deletes its key and closes
// every session with `Orchflow-Close`. The orchestrator should generate terminal ids with the
// node's prefix (`withTerminalIdPrefix('<nodeId>_')`) so ids route to the node cluster-wide.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  checkNodeId,
  clusterSubjects,
  connectNats,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_NODE_TTL_MS,
  DEFAULT_SESSION_TTL_MS,
  loadNats,
  MAX_NODE_TTL_MS,
  type NatsConnectOptions,
  type NodeAnnouncement,
  openNodesBucket,
  watchConnection,
} from '@orchflow/client/internal';
import { type Orchestrator, serverCapabilities } from '@orchflow/core';
import {
  ErrorCode,
  OrchflowError,
  PROTOCOL_VERSION,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';
import { z } from 'zod';
import type { TokenAuthenticator } from '../auth';
import { VERSION } from '../cli/version';
import { DEFAULT_MAX_IN_FLIGHT } from '../limits/in-flight-limit';
import { DEFAULT_WS_RECONNECT_GRACE_MS } from '../ws/ws-server-options';
import { Announcer } from './announcer';
import { serveDiscovery } from './discovery';
import { ensureNameFree } from './name-check';
import { DEFAULT_NODE_CAPACITY } from './node-defaults';
import { nodeSessionLimitSettings } from './session-limits';
import { NodeSessions } from './sessions';

export { DEFAULT_NODE_CAPACITY, DEFAULT_NODE_MAX_SESSIONS } from './node-defaults';

const SettingsSchema = z.object({
  nodeId: z.string(),
  cluster: z.string().default(DEFAULT_CLUSTER_NAME),
  labels: z.record(z.string().regex(/^[A-Za-z0-9_./-]{1,64}$/), z.string().max(256)).default({}),
  capacity: z.number().int().nonnegative().default(DEFAULT_NODE_CAPACITY),
  // Directories read a longer TTL as this cap (a fake entry must not stay "live" for weeks).
  ttlMs: z.number().int().min(300).max(MAX_NODE_TTL_MS).default(DEFAULT_NODE_TTL_MS),
  inboxPrefixes: z.array(z.string()).default([]),
  sessionTtlMs: z.number().int().min(300).default(DEFAULT_SESSION_TTL_MS),
  reconnectGraceMs: z.number().nonnegative().default(DEFAULT_WS_RECONNECT_GRACE_MS),
  maxInFlight: z.number().int().positive().default(DEFAULT_MAX_IN_FLIGHT),
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
  // Defaults in session-limits.ts (the per-token shares depend on the tokens).
  maxSessions: z.number().int().positive().optional(),
  maxSessionsPerPrincipal: z.number().int().positive().optional(),
  initializeTimeoutMs: z.number().int().positive().optional(),
  reassemblyBudgetBytes: z.number().int().positive().optional(),
  partTimeoutMs: z.number().int().positive().optional(),
});

/** Options of {@link ClusterNode}. */
export interface ClusterNodeOptions {
  orchestrator: Orchestrator;
  /** How to reach NATS (ignored when `connection` is given). */
  nats?: NatsConnectOptions;
  /** An open NATS connection to use (left open by `stop()`). */
  connection?: NatsConnection;
  /** The node id: 1-48 letters, digits or '-'. */
  nodeId: string;
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  labels?: Record<string, string>;
  /** Terminals the node offers. Default {@link DEFAULT_NODE_CAPACITY}. */
  capacity?: number;
  /** A node silent this long counts as gone. Default 15 s, at most 10 minutes. */
  ttlMs?: number;
  /**
   * Inbox prefixes sessions may use besides `_INBOX.` (clients connected with `inboxPrefix`, one
   * per NATS user); a session asking for any other inbox is refused.
   */
  inboxPrefixes?: readonly string[];
  /** A session silent this long is closed. Default 60 s. */
  sessionTtlMs?: number;
  /** How long terminals of a vanished session wait for a client to adopt them. Default 60 s. */
  reconnectGraceMs?: number;
  /** orchflow tokens sessions must present (as `orchflow serve --tokens`). */
  auth?: TokenAuthenticator;
  /** Principal of every session when `auth` has no tokens. */
  principal?: Principal;
  maxInFlight?: number;
  maxMessageBytes?: number;
  /** Sessions open at once; a request for another is refused (Overloaded). Default {@link DEFAULT_NODE_MAX_SESSIONS}. */
  maxSessions?: number;
  /**
   * Sessions one principal (one token) may hold. Default: half of `maxSessions` when `auth` holds
   * more than one token, so one token cannot lock the others out; else `maxSessions`.
   */
  maxSessionsPerPrincipal?: number;
  /** A session that has not completed `initialize` this long after it opened is closed. Default 10 s. */
  initializeTimeoutMs?: number;
  /**
   * Bytes all sessions' large messages may hold together: a split message from its first part, a
   * whole one of more than 64 KiB from its arrival, each until every request in it was answered. A
   * message past it is refused (its requests answered Overloaded); the session goes on. One
   * principal's sessions may hold half of it when `auth` holds more than one token (never less
   * than `maxMessageBytes`). Default 4 × `maxMessageBytes` (64 MiB); at least `maxMessageBytes`.
   */
  reassemblyBudgetBytes?: number;
  /** A split message whose next part does not come this long closes its session. Default 30 s. */
  partTimeoutMs?: number;
  serverInfo?: ServerInfo;
  /**
   * Hears problems the node recovers from (KV put failures, protocol errors) and its sessions'
   * internal failures. A client gets an internal failure (code InternalError) only as what failed
   * and an error id (`data.errorId`); this hook gets it in full: an `OrchflowError` whose `data` is
   * an `InternalErrorReport` with the same `errorId`, and what was thrown (with its stack) as
   * `cause`. Log it, so the id leads there.
   */
  onError?: (error: Error) => void;
}

/** An Orchestrator served as one node of an orchflow cluster. */
export class ClusterNode {
  readonly nodeId: string;
  private readonly settings: z.output<typeof SettingsSchema>;
  // ES private fields, not `private`: the options hold the NATS credentials (`nats.token`,
  // `nats.pass`…) and the connection and its subscriptions hold them too (nats.js keeps them in
  // its options), and loggers print what they are handed (`util.inspect`, `JSON.stringify`).
  readonly #options: ClusterNodeOptions;
  #nc: NatsConnection | undefined;
  #subs: Subscription[] = [];
  private announcer: Announcer | undefined;
  private sessions: NodeSessions | undefined;
  private stopWatch: (() => void) | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: ClusterNodeOptions) {
    this.#options = options;
    const parsed = SettingsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid cluster node option '${issue?.path.join('.')}': ${issue?.message}`,
        parsed.error.issues,
      );
    }
    this.settings = parsed.data;
    // Fails here rather than at start(): a reassembly budget smaller than one message.
    nodeSessionLimitSettings({ ...this.settings, nodeId: options.nodeId });
    this.nodeId = checkNodeId(options.nodeId);
    clusterSubjects(this.settings.cluster);
    if (!options.connection && !options.nats) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        "ClusterNode needs 'nats' (servers, credentials) or a 'connection'",
      );
    }
  }

  /** The announcement as it is now. */
  announcement(): NodeAnnouncement | undefined {
    return this.announcer?.current();
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions?.size ?? 0;
  }

  /** Bytes the node's sessions hold now in large messages (still arriving, or not yet answered). */
  get reassemblyBytes(): number {
    return this.sessions?.reassemblyBytes ?? 0;
  }

  /** Connects, opens the bucket, starts serving and announces the node. */
  async start(): Promise<NodeAnnouncement> {
    const s = this.settings;
    const onError = this.#options.onError ?? (() => undefined);
    const nc =
      this.#options.connection ??
      (await connectNats({
        ...(this.#options.nats as NatsConnectOptions),
        cluster: s.cluster,
        name: this.#options.nats?.name ?? `orchflow-node-${this.nodeId}`,
      }));
    this.#nc = nc;
    try {
      const subjects = clusterSubjects(s.cluster);
      const kv = await openNodesBucket(nc, s.cluster, s.ttlMs);
      await ensureNameFree(kv, this.nodeId);
      const startedAt = Date.now();
      this.announcer = new Announcer(
        kv,
        this.#options.orchestrator,
        {
          id: this.nodeId,
          labels: s.labels,
          capacity: s.capacity,
          version: VERSION,
          protocolVersion: PROTOCOL_VERSION,
          startedAt,
          ttlMs: s.ttlMs,
          // As a session reports them (a router merges these instead of asking every node).
          capabilities: serverCapabilities(this.#options.orchestrator, {
            transports: ['nats'],
            reconnect: s.reconnectGraceMs > 0,
          }),
        },
        onError,
        () => openNodesBucket(nc, s.cluster, s.ttlMs),
      );
      this.sessions = new NodeSessions({
        ...s,
        orchestrator: this.#options.orchestrator,
        nc,
        nats: await loadNats(),
        subjects,
        nodeId: this.nodeId,
        auth: this.#options.auth,
        principal: this.#options.principal,
        serverInfo: this.#options.serverInfo,
        onError,
      });
      this.sessions.start();
      const announcer = this.announcer;
      this.#subs = serveDiscovery(nc, subjects, () => announcer.current());
      await nc.flush();
      await announcer.start();
      this.watchNats(nc);
      return announcer.current();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Deletes the node's key, closes every session (`Orchflow-Close`) and the NATS connection it opened. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** `await using node = …` stops it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private watchNats(nc: NatsConnection): void {
    // One watcher per outage: sessions end when NATS drops; the node announces itself again on return.
    const arm = (): void => {
      this.stopWatch = watchConnection(nc, (reason) => {
        this.sessions?.dropAll(reason);
        if (nc.isClosed() || this.stopping) return;
        void waitForReconnect(nc).then((back) => {
          if (!back || this.stopping) return;
          // The close notices sent while disconnected were lost: clients learn of it now.
          this.sessions?.reconnected();
          void this.announcer?.put();
          arm();
        });
      });
    };
    arm();
  }

  private async shutdown(): Promise<void> {
    this.stopWatch?.();
    for (const sub of this.#subs) sub.unsubscribe();
    await this.announcer?.stop();
    await this.sessions?.stop();
    if (this.#nc && !this.#options.connection && !this.#nc.isClosed()) {
      await this.#nc.drain().catch(() => this.#nc?.close());
    }
  }
}

/** Resolves true once `nc` reconnected, false if it closed first. */
async function waitForReconnect(nc: NatsConnection): Promise<boolean> {
  const status = nc.status() as AsyncIterable<{ type: string }> & { stop(): void };
  const closed = nc.closed().then(() => false);
  const back = (async () => {
    for await (const event of status) if (event.type === 'reconnect') return true;
    return false;
  })();
  const result = await Promise.race([back, closed]);
  status.stop();
  return result;
}
