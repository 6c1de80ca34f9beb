// The sessions a node serves. A client asks on `<prefix>.node.<id>.connect` with its orchflow
// token and an inbox; the token is checked like `orchflow serve` checks it (same tokens file,
// same principals and per-token policies), and the session is served with `serveChannel` like a
// WebSocket connection: terminals of a session that vanishes (closed, NATS lost, or silent for
// the session TTL) wait `reconnectGraceMs` for a client to come back and adopt them, while a
// clean `$/shutdown` releases them at once. session-limits.ts bounds what the sessions hold: how
// many are open (per node and per token), how long one may stay without `initialize`, and the
// bytes their large messages occupy, from their first part until they are answered.
import { randomBytes } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CLOSE_HEADER,
  type ClusterSubjects,
  MAX_FLOW_WINDOW_BYTES,
  MIN_FLOW_WINDOW_BYTES,
  type NatsModule,
  NatsSessionChannel,
  SESSION_HEADER,
} from '@orchflow/client/internal';
import { type Orchestrator, type ServedChannel, serveChannel } from '@orchflow/core';
import {
  ChannelClosedError,
  ErrorCode,
  OrchflowError,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';
import { z } from 'zod';
import type { TokenAuthenticator } from '../auth';
import { connectionAuth } from '../auth';
import { InFlightLimit } from '../limits/in-flight-limit';
import { encodeBinaryOutput } from '../ws/binary-output';
import { TerminalLeases } from '../ws/terminal-leases';
import { answerable } from './reply-subject';
import { NodeSessionLimits, type SessionLimitOptions } from './session-limits';

/** Settings of {@link NodeSessions}; the session limits are {@link SessionLimitOptions}. */
export interface NodeSessionsOptions extends SessionLimitOptions {
  orchestrator: Orchestrator;
  nc: NatsConnection;
  nats: NatsModule;
  subjects: ClusterSubjects;
  nodeId: string;
  auth?: TokenAuthenticator;
  /** Principal of every session when there are no tokens. */
  principal?: Principal;
  sessionTtlMs: number;
  reconnectGraceMs: number;
  maxInFlight: number;
  maxMessageBytes: number;
  serverInfo?: ServerInfo;
  onError: (error: Error) => void;
  /**
   * Inbox namespaces accepted besides {@link DEFAULT_INBOX_PREFIX}, for clients whose NATS
   * connection has a custom `inboxPrefix` (e.g. `acme.inbox`: inboxes `acme.inbox.<id>`). Each is
   * one or more concrete subject tokens, outside `$…` and the clusters' subjects (`orchflow.…`).
   */
  inboxPrefixes?: readonly string[];
}

/**
 * The inbox namespace a session-open request may name by default: nats.js's own (`createInbox()`),
 * which clients use. The node publishes a session's every message to its inbox, so an inbox
 * anywhere else would let a token holder make the node publish to any subject: another cluster's,
 * or an application's.
 */
export const DEFAULT_INBOX_PREFIX = '_INBOX';

/** One concrete subject: no wildcards, no empty tokens, nothing system (`$…`). */
const CONCRETE_SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const OpenRequestSchema = z.object({
  token: z.string().optional(),
  // One concrete subject: no wildcards, nothing system (`$…`).
  inbox: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/)
    .refine((s) => !s.includes('..') && !s.endsWith('.')),
  /** The client reads `terminal.output` as binary frames (see `encodeBinaryOutput`). */
  binaryOutput: z.boolean().optional(),
  /** The session's terminals outlive it until killed (a gateway's REST request), no grace. */
  keepTerminals: z.boolean().optional(),
  /** The client acknowledges what it reads; keep at most this many bytes unacknowledged. */
  flowWindow: z.number().int().min(MIN_FLOW_WINDOW_BYTES).max(MAX_FLOW_WINDOW_BYTES).optional(),
});

interface Session {
  channel: NatsSessionChannel;
  served: ServedChannel;
  /** The client's inbox (where this node publishes). */
  inbox: string;
}

/** The node's table of open sessions. */
export class NodeSessions {
  private readonly sessions = new Map<string, Session>();
  /**
   * Sessions ended because NATS dropped, by id: their client's inbox and when. The close notice
   * sent while disconnected is lost, so their clients are told again once NATS is back
   * (`reconnected`) and whenever they send to such a session later (for a session TTL).
   */
  private readonly dropped = new Map<string, { inbox: string; at: number }>();
  private readonly leases: TerminalLeases;
  private readonly limits: NodeSessionLimits;
  private stopping = false;
  // ES private fields, not `private`: the options and the subscriptions hold the NATS connection,
  // whose options hold its credentials, and loggers print what they are handed (`util.inspect`).
  readonly #o: NodeSessionsOptions;
  #subs: Subscription[] = [];

  /** The inbox namespaces sessions may name, each with its trailing `.`. */
  private readonly inboxPrefixes: readonly string[];

  constructor(o: NodeSessionsOptions) {
    this.#o = o;
    this.inboxPrefixes = inboxNamespaces(o.inboxPrefixes ?? [], o.subjects.prefix);
    this.leases = new TerminalLeases(o.orchestrator, o.reconnectGraceMs);
    this.limits = new NodeSessionLimits(o);
    // Fails now, not at the first session, when nobody could be admitted.
    connectionAuth(o.auth, o.principal);
  }

  /** Open sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Bytes held now in large messages (still arriving, or not yet answered), over all sessions. */
  get reassemblyBytes(): number {
    return this.limits.reassemblyBytes;
  }

  /** Subscribes the node's connect and session subjects. */
  start(): void {
    const { nc, subjects, nodeId } = this.#o;
    this.#subs.push(nc.subscribe(subjects.connect(nodeId), { callback: (_e, msg) => void this.open(msg) }));
    const prefix = subjects.session(nodeId, 'x').slice(0, -1);
    this.#subs.push(
      nc.subscribe(subjects.sessions(nodeId), {
        callback: (_e, msg) => {
          const id = msg.subject.slice(prefix.length);
          const session = this.sessions.get(id);
          if (session) session.channel.handle(msg);
          else this.unknownSession(id, msg);
        },
      }),
    );
  }

  /** Ends every session (NATS dropped: their messages may be lost) without waiting. */
  dropAll(reason: Error): void {
    this.forgetOldDrops();
    const now = Date.now();
    for (const [id, { channel, inbox }] of this.sessions) {
      this.dropped.set(id, { inbox, at: now });
      channel.end(reason, 'node lost NATS');
    }
  }

  /**
   * NATS is back: tells the clients of the sessions `dropAll` ended that they are closed (the
   * notice published while disconnected was lost), so they reopen and resume at once instead of
   * waiting out the session TTL, and within the reconnect grace that keeps their terminals.
   */
  reconnected(): void {
    this.forgetOldDrops();
    for (const [id, { inbox }] of this.dropped) this.tellClosed(id, inbox);
  }

  /** A message for a session this node does not have: if it ended in a NATS drop, say so again. */
  private unknownSession(id: string, msg: Msg): void {
    const dropped = this.dropped.get(id);
    if (!dropped || msg.headers?.get(CLOSE_HEADER)) return;
    if (Date.now() - dropped.at > this.#o.sessionTtlMs) {
      this.dropped.delete(id);
      return;
    }
    this.tellClosed(id, dropped.inbox);
  }

  private tellClosed(id: string, inbox: string): void {
    if (this.#o.nc.isClosed()) return;
    try {
      const headers = this.#o.nats.headers();
      headers.set(CLOSE_HEADER, 'node lost NATS');
      // As on every message of the session: the client ignores notices naming another session.
      headers.set(SESSION_HEADER, id);
      this.#o.nc.publish(inbox, undefined, { headers });
    } catch {
      // Best effort: the client's session TTL ends the session anyway.
    }
  }

  /** Past a session TTL a dropped session's client has given up on it by itself. */
  private forgetOldDrops(): void {
    const now = Date.now();
    for (const [id, { at }] of this.dropped) if (now - at > this.#o.sessionTtlMs) this.dropped.delete(id);
  }

  /** Stops accepting and closes every session with `Orchflow-Close`; kills orphaned terminals. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    const closing = [...this.sessions.values()].map(({ channel, served }) => {
      channel.end(new ChannelClosedError('The node is stopping'), 'node stopping');
      return served.closed.catch(() => undefined);
    });
    await Promise.all(closing);
    await this.leases.killOrphans();
  }

  private async open(msg: Msg): Promise<void> {
    // Nobody to answer, or an answer the node must not publish (reply-subject.ts): ignored.
    if (!answerable(msg.reply)) return;
    const refuse = (error: OrchflowError): void => {
      msg.respond(JSON.stringify({ error: error.toJson() }));
    };
    if (this.stopping)
      return refuse(
        new OrchflowError(ErrorCode.Unavailable, 'The node is stopping', {
          reason: 'stopping',
          nodeId: this.#o.nodeId,
        }),
      );
    let request: z.infer<typeof OpenRequestSchema>;
    try {
      request = OpenRequestSchema.parse(msg.json());
    } catch {
      return refuse(
        new OrchflowError(
          ErrorCode.InvalidParams,
          "A session request is JSON { token?, inbox } with 'inbox' one concrete NATS subject",
        ),
      );
    }
    if (request.inbox.startsWith(`${this.#o.subjects.prefix}.`)) {
      return refuse(
        new OrchflowError(ErrorCode.InvalidParams, 'The inbox must not be a subject of the cluster itself'),
      );
    }
    if (!this.inboxPrefixes.some((prefix) => request.inbox.startsWith(prefix))) {
      const names = this.inboxPrefixes.map((prefix) => `${prefix}…`).join(', ');
      return refuse(
        new OrchflowError(
          ErrorCode.InvalidParams,
          `The inbox '${request.inbox}' is not in an inbox namespace this node publishes to (${names}); use the NATS client's inboxes, or start the node with the client's inbox prefix`,
          { reason: 'inbox-namespace', inboxPrefixes: this.inboxPrefixes.map((p) => p.slice(0, -1)) },
        ),
      );
    }
    let principal: Principal;
    try {
      principal = await this.authenticate(request.token);
    } catch (error) {
      return refuse(OrchflowError.from(error));
    }
    // Counted once the token is known (the share is per token), and in the same turn as the
    // session is added, so concurrent requests cannot all pass one check.
    let release: () => void;
    try {
      release = this.limits.admit(principal);
    } catch (error) {
      return refuse(OrchflowError.from(error));
    }
    const id = randomBytes(16).toString('hex');
    this.serve(id, request.inbox, principal, release, {
      binaryOutput: request.binaryOutput === true,
      keepTerminals: request.keepTerminals === true,
      flowWindow: request.flowWindow,
    });
    const maxPayload = this.#o.nc.info?.max_payload ?? 1024 * 1024;
    msg.respond(
      JSON.stringify({
        session: id,
        maxPayload,
        sessionTtlMs: this.#o.sessionTtlMs,
        ...(request.flowWindow === undefined ? {} : { flowWindow: request.flowWindow }),
      }),
    );
  }

  private async authenticate(token: string | undefined): Promise<Principal> {
    const { auth, principal } = this.#o;
    if (auth && auth.size > 0) return auth.authenticate({ token });
    if (principal) return principal;
    throw new OrchflowError(
      ErrorCode.Unauthorized,
      'This node admits nobody: it has no tokens and no principal',
    );
  }

  private serve(
    id: string,
    inbox: string,
    principal: Principal,
    release: () => void,
    {
      binaryOutput,
      keepTerminals,
      flowWindow,
    }: { binaryOutput: boolean; keepTerminals: boolean; flowWindow: number | undefined },
  ): void {
    // A session that keeps its terminals holds no leases: nothing is orphaned when it ends. It
    // grants nothing a caller could not get anyway (one session per REST-style request), and the
    // node's capacity and the principal's quotas still bound what it spawns.
    const leases = keepTerminals ? undefined : this.leases.connection(principal);
    const inFlight = new InFlightLimit(this.#o.maxInFlight);
    const channel: NatsSessionChannel = new NatsSessionChannel({
      nc: this.#o.nc,
      nats: this.#o.nats,
      peerSubject: inbox,
      maxPayload: this.#o.nc.info?.max_payload ?? 1024 * 1024,
      ttlMs: this.#o.sessionTtlMs,
      maxMessageBytes: this.#o.maxMessageBytes,
      peerName: 'client',
      // On every message: the inbox may be shared, so the client keeps only its session's.
      sessionId: id,
      // The WebSocket subprotocol's frame: live output goes as the PTY's bytes, never escaped.
      encodeOutput: binaryOutput ? encodeBinaryOutput : undefined,
      // The client's reader sets the pace: a stuck one pauses the terminal (core's flow control).
      sendWindowBytes: flowWindow,
      reassemblyBudget: this.limits.budget(principal),
      partTimeoutMs: this.limits.partTimeoutMs,
      onReceive: (message) => {
        const overloaded = inFlight.admit(message);
        if (overloaded) {
          // Best effort: a client that vanished meanwhile has nobody left to tell. A refusal: its
          // ids may be those of requests still running, whose large messages stay counted.
          channel.sendRefusal(overloaded).catch(() => undefined);
          return false;
        }
        leases?.received(message);
        return true;
      },
      onSend: (message) => {
        inFlight.settle(message);
        leases?.sent(message);
      },
    });
    const served = serveChannel(this.#o.orchestrator, channel, {
      principal,
      killTerminalsOnClose: false,
      reconnect: leases ? leases.keepsDropped : true,
      transports: ['nats'],
      serverInfo: this.#o.serverInfo,
      onError: this.#o.onError,
      // A remote client (a gateway, or OrchflowClient.nats on another host): an internal failure
      // tells it only what failed and its error id; onError hears the detail under that id.
      internalErrorDetail: 'redacted',
      // A clean end frees the session's terminals now; anything else is a drop (grace period).
      onShutdown: leases ? () => leases.releaseNow() : async () => 0,
    });
    this.sessions.set(id, { channel, served, inbox });
    // Every client sends `initialize` as soon as the session opens: one that has not by now only
    // holds a slot of the node's (and of its token's share).
    const initializeBy = this.limits.initializeTimeoutMs;
    const deadline = setTimeout(() => {
      if (served.principal !== undefined) return;
      channel.end(
        new ChannelClosedError(`The client did not initialize the session within ${initializeBy} ms`),
        `not initialized within ${initializeBy} ms`,
      );
    }, initializeBy);
    deadline.unref?.();
    void served.closed.then(() => {
      clearTimeout(deadline);
      leases?.release();
      this.sessions.delete(id);
      release();
    });
  }
}

/**
 * The accepted inbox namespaces, each with its trailing `.`: the default one plus `extra`;
 * throws InvalidParams for a prefix that is not concrete or lies in `$…` or the cluster's subjects.
 */
function inboxNamespaces(extra: readonly string[], clusterPrefix: string): string[] {
  // Every cluster's subjects (`orchflow.<cluster>.…`), not only this one's: two clusters may share
  // a NATS server, and neither's node should publish into the other's.
  const root = clusterPrefix.split('.')[0] as string;
  for (const prefix of extra) {
    const valid =
      typeof prefix === 'string' &&
      prefix.length <= 128 &&
      CONCRETE_SUBJECT.test(prefix) &&
      prefix !== root &&
      !prefix.startsWith(`${root}.`);
    if (!valid) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Invalid inbox prefix '${String(prefix)}': use one or more subject tokens of letters, digits, '_' or '-' separated by '.', outside '$…' and the clusters' own subjects (${root}.…)`,
      );
    }
  }
  return [...new Set([DEFAULT_INBOX_PREFIX, ...extra])].map((prefix) => `${prefix}.`);
}
