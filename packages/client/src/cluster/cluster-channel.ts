// `ClusterChannel`: an IpcChannel that is a whole orchflow cluster. A client (or a gateway) talks
// to it exactly as to one server; behind it, the router answers `initialize` itself, places
// spawns on nodes, routes every call naming a terminal to the node in the terminal id's prefix,
// fans listings, metrics and bulk controls out to every live node, and speaks for nodes that
// are lost. Its own side is an RpcPeer on an in-process channel pair, so ids, `$/cancelRequest`,
// `$/progress` and batches work as on any server; each node is reached over its own NodeLink.
// `initialize` succeeds even when no node can answer it (none live, or none reachable): the
// client gets a default node's capabilities (defaults.ts) and its spawns fail with Unavailable
// until a node comes; only a refusal about the caller (bad token, version) fails it.
import {
  ChannelClosedError,
  checkProtocolVersion,
  DirectChannel,
  ErrorCode,
  type InitializeParams,
  type InitializeResult,
  type IpcChannel,
  type JsonRpcMessage,
  localFailure,
  Methods,
  OrchflowError,
  type ParamsOf,
  PROTOCOL_VERSION,
  type Principal,
  type RequestContext,
  RpcPeer,
  type ServerInfo,
  type SubscribeResult,
  type UnsubscribeResult,
} from '@orchflow/protocol';
import type { ZodType } from 'zod';
import { DEFAULT_ROUTER_BACKLOG_BYTES, OutboundBacklog } from './backlog';
import { batchInCluster, ClusterTransactions } from './batches';
import { defaultNodeCapabilities, UNVERIFIED_PRINCIPAL } from './defaults';
import { nodeLost, readOnly, terminalNotFound, unavailable } from './errors';
import { bulkControl, listCluster, metricsOfCluster } from './fan-out';
import { openFirstSessions } from './first-sessions';
import {
  clientNotificationParams,
  clusterSubscriptionId,
  forwardOptions,
  splitSubscriptionId,
} from './forwarding';
import type { ClusterLinks, ClusterNodeInfo } from './links';
import { mergeCapabilities } from './merge';
import { NodeLink, type NodeLinkHooks } from './node-link';
import { PlacementPlanner } from './placement';
import type { RouterContext } from './router-context';
import { spawnInCluster } from './spawn';
import { TerminalBook } from './terminal-book';

/** Default of {@link ClusterChannelOptions.fanOutTimeoutMs}: 10 s. */
export const DEFAULT_FAN_OUT_TIMEOUT_MS = 10_000;
/** Default of {@link ClusterChannelOptions.connectTimeoutMs}: 10 s. */
export const DEFAULT_NODE_CONNECT_TIMEOUT_MS = 10_000;

/** Options of a {@link ClusterChannel}. */
export interface ClusterChannelOptions {
  /** Reported as `serverInfo`. Default `{ name: 'orchflow-cluster', version: <first node's> }`. */
  serverInfo?: ServerInfo;
  /** Reported as `capabilities.transports`. Default `['cluster']`. */
  transports?: readonly string[];
  /** How long list/metrics/bulk controls wait for each node before naming it unreachable. */
  fanOutTimeoutMs?: number;
  /** How long opening and initializing a session to a node may take. */
  connectTimeoutMs?: number;
  /** Hears protocol problems on the client side or on node links (must not throw). */
  onError?: (error: Error) => void;
  /**
   * True when the router runs in its caller's process (`OrchflowClient.nats`): a node session that
   * closes mid-request fails the request with `ChannelClosed`, the caller's own connection loss;
   * otherwise (a gateway) with `Unavailable` (`link-closed`).
   */
  local?: boolean;
  /**
   * Output bytes the router lets wait for its reader before it stops reading its nodes (their
   * flow windows then pause the terminals). Default {@link DEFAULT_ROUTER_BACKLOG_BYTES}.
   */
  backlogBytes?: number;
}

type Handler = (params: never, context: RequestContext) => unknown;

/** The cluster as one IpcChannel (see the module comment). */
export class ClusterChannel implements IpcChannel {
  private readonly client: DirectChannel;
  private readonly inner: DirectChannel;
  private readonly peer: RpcPeer;
  private readonly nodeLinks = new Map<string, NodeLink>();
  private readonly transactions = new ClusterTransactions();
  private readonly router: RouterContext;
  private readonly hooks: NodeLinkHooks;
  private readonly stopEvents: (() => void)[];
  private init: InitializeParams | undefined;
  /** Who the nodes took the client to be; undefined while no node has authenticated it. */
  private principal: Principal | undefined;
  private initialized = false;
  /** A notification for another terminal than its subscription's was reported (see `fromNode`). */
  private reportedStray = false;
  private shuttingDown: Promise<void> | undefined;
  private readonly backlog: OutboundBacklog;

  constructor(
    private readonly links: ClusterLinks,
    private readonly options: ClusterChannelOptions = {},
  ) {
    [this.client, this.inner] = DirectChannel.pair();
    const backlogBytes = options.backlogBytes ?? DEFAULT_ROUTER_BACKLOG_BYTES;
    if (!Number.isSafeInteger(backlogBytes) || backlogBytes <= 0) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `backlogBytes must be a positive whole number of bytes (got ${backlogBytes})`,
      );
    }
    this.backlog = new OutboundBacklog(backlogBytes);
    this.router = {
      live: () => links.nodes(),
      link: (nodeId) => this.link(nodeId),
      linkForTerminal: (terminalId) => this.linkForTerminal(terminalId),
      book: new TerminalBook(),
      planner: new PlacementPlanner(),
      fanOutTimeoutMs: options.fanOutTimeoutMs ?? DEFAULT_FAN_OUT_TIMEOUT_MS,
    };
    this.hooks = {
      notification: (nodeId, method, params) => this.fromNode(nodeId, method, params),
      closed: (link) => this.linkClosed(link),
      error: options.onError,
      local: options.local === true,
      pace: () => this.backlog.full(),
    };
    this.peer = new RpcPeer(this.inner, {
      onUnhandledRequest: (method, params, context) => this.routeByTerminal(method, params, context),
      onClose: () => void this.shutdown(),
      onError: options.onError,
    });
    this.register();
    this.stopEvents = [
      links.on('node-lost', (node) => this.nodeLost(node.id, node.reason)),
      links.on('node-up', (node) => this.router.book.nodeUp(node.id)),
    ];
    this.peer.start();
  }

  /** True once either side closed. */
  get closed(): boolean {
    return this.client.closed;
  }

  /** Sends a client message to the router. */
  send(message: JsonRpcMessage): Promise<void> {
    return this.client.send(message);
  }

  /** The router's next message to the client. */
  async receive(): Promise<JsonRpcMessage> {
    const message = await this.client.receive();
    this.backlog.taken(message);
    return message;
  }

  /** Output bytes the router holds for its reader (bounded: see the `backlogBytes` option). */
  get pendingOutputBytes(): number {
    return this.backlog.size;
  }

  /** Closes the channel and every node session. */
  async close(): Promise<void> {
    await this.client.close();
    await this.shutdown();
  }

  /** Iterates the router's messages until the channel closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    for await (const message of this.client) {
      this.backlog.taken(message);
      yield message;
    }
  }

  private register(): void {
    const r = this.router;
    this.peer.onRequest('initialize', Methods.initialize.params, (params) => this.initialize(params));
    this.serve('terminal.spawn', (p, c) => spawnInCluster(r, p, c));
    this.serve('terminal.list', (p, c) => listCluster(r, p, c));
    this.serve('orchestrator.metrics', (p, c) => metricsOfCluster(r, p, c));
    this.serve('orchestrator.killAll', (p, c) => bulkControl(r, 'orchestrator.killAll', 'killed', p, c));
    this.serve('orchestrator.pauseAll', (p, c) => bulkControl(r, 'orchestrator.pauseAll', 'paused', p, c));
    this.serve('orchestrator.resumeAll', (p, c) => bulkControl(r, 'orchestrator.resumeAll', 'resumed', p, c));
    this.serve('terminal.batchExecute', (p, c) => batchInCluster(r, p, c));
    this.serve('tx.begin', () => {
      // Answered here, so the router must refuse what a node would: a viewer controls nothing.
      if (this.principal?.kind === 'viewer') throw readOnly('tx.begin', this.principal.name);
      return this.transactions.begin();
    });
    this.serve('tx.commit', (p, c) => this.transactions.commit(r, p, c));
    this.serve('tx.rollback', (p) => this.transactions.rollback(p.txId));
    this.serve('terminal.subscribe', (p, c) => this.subscribe(p, c));
    this.serve('terminal.unsubscribe', (p, c) => this.unsubscribe(p.subscriptionId, c));
    this.serve('terminal.kill', async (p, c) => {
      const result = (await this.routeByTerminal('terminal.kill', p, c)) as { exitCode?: number | null };
      const nodeId = r.book.owner(p.terminalId);
      if (nodeId !== undefined) r.book.exited(nodeId, p.terminalId, result?.exitCode ?? null);
      return result;
    });
    this.serve('$/shutdown', () => this.shutdownNodes());
  }

  private serve<M extends keyof typeof Methods>(
    method: M,
    handler: (params: ParamsOf<M>, context: RequestContext) => unknown,
  ): void {
    const schema = Methods[method].params as ZodType;
    this.peer.onRequest(method as string, schema, (params, context) => {
      this.assertInitialized(method);
      return (handler as Handler)(params as never, context) as never;
    });
  }

  private assertInitialized(method: string): void {
    if (this.initialized) return;
    throw new OrchflowError(
      ErrorCode.NotInitialized,
      `'${method}' arrived before 'initialize'; send initialize first`,
    );
  }

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    if (this.init) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        "'initialize' was already called on this connection; send it only once",
      );
    }
    const version = checkProtocolVersion(params.protocolVersion);
    if (!version.compatible) {
      throw new OrchflowError(ErrorCode.VersionMismatch, version.reason, { serverVersion: PROTOCOL_VERSION });
    }
    // Each node authenticates the caller itself: the client's token goes to every node session.
    this.init = { ...params, protocolVersion: PROTOCOL_VERSION };
    const { answers, failures, capabilities } = await openFirstSessions(
      this.links.nodes(),
      (nodeId) => this.link(nodeId).ready,
    );
    const transports = this.options.transports ?? ['cluster'];
    const [first] = answers;
    if (!first) {
      // A refusal that says something about the caller (bad token, version) fails the connect; a
      // cluster with no node to ask (none live, or none reachable) is connected to all the same,
      // and its spawns fail with Unavailable at once until a node comes (see defaults.ts).
      const refusal = failures.find(
        (e) => e instanceof Error && 'code' in e && e.code !== ErrorCode.Unavailable,
      );
      if (refusal) {
        this.init = undefined;
        throw refusal;
      }
      this.initialized = true;
      return {
        protocolVersion: PROTOCOL_VERSION,
        serverInfo: this.options.serverInfo ?? { name: 'orchflow-cluster', version: 'unknown' },
        capabilities: defaultNodeCapabilities(transports),
        principal: { ...UNVERIFIED_PRINCIPAL },
      };
    }
    this.initialized = true;
    this.principal = first.principal;
    return {
      protocolVersion: PROTOCOL_VERSION,
      serverInfo: this.options.serverInfo ?? { name: 'orchflow-cluster', version: first.serverInfo.version },
      capabilities: mergeCapabilities(capabilities, transports),
      principal: first.principal,
    };
  }

  /** Any method naming a `terminalId` goes to the node owning it. */
  private async routeByTerminal(method: string, params: unknown, context: RequestContext): Promise<unknown> {
    this.assertInitialized(method);
    const terminalId = (params as { terminalId?: unknown } | undefined)?.terminalId;
    if (typeof terminalId !== 'string') {
      throw new OrchflowError(
        ErrorCode.MethodNotFound,
        `Method '${method}' is not supported by this cluster router; check the method name and the versions`,
      );
    }
    const link = this.linkForTerminal(terminalId);
    const result = await link.call(method, params, forwardOptions(context));
    // A command that ended the shell (`exit 4`) ended the terminal: remember it, even for a
    // terminal nobody streams through this router (its `terminal.exit` never passes here).
    if (method === 'terminal.execute') {
      const executed = result as { shellExited?: unknown; exitCode?: unknown } | undefined;
      if (executed?.shellExited === true) {
        const code = typeof executed.exitCode === 'number' ? executed.exitCode : null;
        this.router.book.exited(link.nodeId, terminalId, code, false);
      }
    }
    return result;
  }

  private async subscribe(
    params: { terminalId: string; fromOffset?: number },
    context: RequestContext,
  ): Promise<SubscribeResult> {
    const link = this.linkForTerminal(params.terminalId);
    const result = await link.call<SubscribeResult>('terminal.subscribe', params, forwardOptions(context));
    const subscriptionId = clusterSubscriptionId(link.nodeId, result.subscriptionId);
    this.router.book.subscribe({ subscriptionId, nodeId: link.nodeId, terminalId: params.terminalId });
    return { ...result, subscriptionId };
  }

  private async unsubscribe(subscriptionId: string, context: RequestContext): Promise<UnsubscribeResult> {
    const open = this.router.book.unsubscribe(subscriptionId);
    const routed = splitSubscriptionId(subscriptionId);
    const link = routed && this.nodeLinks.get(routed.nodeId);
    if (!open || !routed || !link?.usable) return { unsubscribed: false };
    return link.call<UnsubscribeResult>(
      'terminal.unsubscribe',
      { subscriptionId: routed.subscriptionId },
      forwardOptions(context),
    );
  }

  private async shutdownNodes(): Promise<{ released: number }> {
    // Only sessions that exist: one still connecting has no terminals to release.
    const links = [...this.nodeLinks.values()].filter((l) => l.connected);
    const timeoutMs = this.router.fanOutTimeoutMs;
    const settled = await Promise.allSettled(
      links.map((l) => l.call<{ released: number }>('$/shutdown', {}, { timeoutMs })),
    );
    return { released: settled.reduce((n, s) => n + (s.status === 'fulfilled' ? s.value.released : 0), 0) };
  }

  private link(nodeId: string): NodeLink {
    const existing = this.nodeLinks.get(nodeId);
    if (existing?.usable) return existing;
    const init = this.init;
    if (!init)
      throw new OrchflowError(ErrorCode.NotInitialized, 'The cluster session is not initialized yet');
    if (!this.links.nodes().some((n: ClusterNodeInfo) => n.id === nodeId)) {
      if (existing?.isLost || this.router.book.isLost(nodeId)) throw nodeLost(nodeId);
      throw unavailable('node-unreachable', `Cluster node '${nodeId}' is not live`, { nodeId });
    }
    const link = new NodeLink(
      nodeId,
      this.links,
      init,
      this.hooks,
      this.options.connectTimeoutMs ?? DEFAULT_NODE_CONNECT_TIMEOUT_MS,
    );
    this.nodeLinks.set(nodeId, link);
    return link;
  }

  private linkForTerminal(terminalId: string): NodeLink {
    const owner = this.router.book.owner(terminalId);
    if (owner === undefined) {
      throw terminalNotFound(terminalId, 'its id names no node (cluster terminal ids are <nodeId>_<id>)');
    }
    const live = this.nodeLinks.get(owner)?.usable || this.links.nodes().some((n) => n.id === owner);
    if (!live) {
      if (this.router.book.isLost(owner) || this.nodeLinks.get(owner)?.isLost) throw nodeLost(owner);
      throw terminalNotFound(terminalId, `no live node '${owner}'`);
    }
    return this.link(owner);
  }

  private fromNode(nodeId: string, method: string, params: unknown): void {
    const forwarded = clientNotificationParams(nodeId, params);
    if (!this.forItsSubscription(method, forwarded)) return;
    if (method === 'terminal.exit') {
      const exit = forwarded as
        | { subscriptionId?: unknown; terminalId?: unknown; exitCode?: unknown }
        | undefined;
      if (typeof exit?.subscriptionId === 'string') this.router.book.unsubscribe(exit.subscriptionId);
      // A real exit: a later loss of the node must not invent a second one (`node-lost`).
      if (typeof exit?.terminalId === 'string') {
        const code = typeof exit.exitCode === 'number' ? exit.exitCode : null;
        this.router.book.exited(nodeId, exit.terminalId, code);
      }
    }
    this.backlog.added(method, forwarded);
    this.peer.notify(method, forwarded).catch(() => undefined);
  }

  /**
   * False for a subscription's notification (output, exit, gap) about another terminal than the
   * subscription's: a node's subscription ids are counters of its session (`sub-1`), so another
   * session's notifications, were they to arrive on this one, would name this one's subscriptions.
   * Reported once. A subscription not (yet) in the book is let through: its output may come before
   * the router has seen the node's answer to `terminal.subscribe`.
   */
  private forItsSubscription(method: string, params: unknown): boolean {
    if (method !== 'terminal.output' && method !== 'terminal.exit' && method !== 'terminal.gap') return true;
    const { subscriptionId, terminalId } = (params ?? {}) as {
      subscriptionId?: unknown;
      terminalId?: unknown;
    };
    if (typeof subscriptionId !== 'string') return true;
    const subscription = this.router.book.subscription(subscriptionId);
    if (!subscription || subscription.terminalId === terminalId) return true;
    if (!this.reportedStray) {
      this.reportedStray = true;
      this.options.onError?.(
        new OrchflowError(
          ErrorCode.InvalidState,
          `A '${method}' for subscription '${subscriptionId}' named terminal '${String(terminalId)}', not the subscription's '${subscription.terminalId}'; dropped (further ones are dropped without a word)`,
          { reason: 'foreign-notification', subscriptionId },
        ),
      );
    }
    return false;
  }

  private nodeLost(nodeId: string, reason: string | undefined): void {
    const { book, planner } = this.router;
    planner.forget(nodeId);
    // A node that left cleanly or restarted took its terminals' old processes with it.
    const mayStillRun = reason !== 'deleted' && reason !== 'restarted';
    const { terminals, subscriptions } = book.nodeLost(nodeId, mayStillRun);
    const lost = { exitCode: null, signal: null, reason: 'node-lost' };
    const told = new Set<string>();
    for (const s of subscriptions) {
      told.add(s.terminalId);
      this.notify('terminal.exit', { terminalId: s.terminalId, subscriptionId: s.subscriptionId, ...lost });
    }
    for (const t of terminals)
      if (!told.has(t.id)) this.notify('terminal.exit', { terminalId: t.id, ...lost });
    // After the exits, so the link's close does not fail those subscriptions a second time.
    const link = this.nodeLinks.get(nodeId);
    this.nodeLinks.delete(nodeId);
    link?.markLost();
  }

  /** A link closed without its node being lost: its subscriptions are cut on this side. */
  private linkClosed(link: NodeLink): void {
    if (this.nodeLinks.get(link.nodeId) === link) this.nodeLinks.delete(link.nodeId);
    if (link.isLost || this.shuttingDown) return;
    for (const s of this.router.book.subscriptionsOf(link.nodeId)) {
      this.router.book.unsubscribe(s.subscriptionId);
      const error = new ChannelClosedError(
        `The session to cluster node '${link.nodeId}' closed; subscribe again from the last offset`,
      );
      this.inner.send(localFailure({ subscriptionId: s.subscriptionId }, error)).catch(() => undefined);
    }
  }

  private notify(method: string, params: unknown): void {
    this.peer.notify(method, params).catch(() => undefined);
  }

  private shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      for (const stop of this.stopEvents) stop();
      this.backlog.close();
      const links = [...this.nodeLinks.values()];
      this.nodeLinks.clear();
      await this.peer.close();
      await Promise.all(links.map((l) => l.close().catch(() => undefined)));
    })();
    return this.shuttingDown;
  }
}
