// `ClusterChannel`: an IpcChannel that is a whole orchflow cluster. A client (or a gateway) talks
// to it exactly as to one server; behind it, the router answers `initialize` itself, places
// spawns on nodes, routes every call naming a terminal to the node in the terminal id's prefix,
// fans listings, metrics and bulk controls out to every live node, and speaks for nodes that
// are lost. Its own side is an RpcPeer on an in-process channel pair, so ids, `$/cancelRequest`,
// `$/progress` and batches work as on any server; each node is reached over its own NodeLink.
// This module holds the router's state and its node sessions; the request handlers are in
// requests.ts, the handling of what nodes send and of their loss in node-events.ts.
import {
  DirectChannel,
  ErrorCode,
  type IpcChannel,
  type JsonRpcMessage,
  OrchflowError,
  RpcPeer,
  type ServerInfo,
} from '@orchflow/protocol';
import { DEFAULT_ROUTER_BACKLOG_BYTES, OutboundBacklog } from './backlog';
import { ClusterTransactions } from './batches';
import { nodeLost, terminalNotFound, unavailable } from './errors';
import type { ClusterLinks, ClusterNodeInfo } from './links';
import { NodeEvents } from './node-events';
import { NodeLink, type NodeLinkHooks } from './node-link';
import { PlacementPlanner } from './placement';
import { type ClusterSession, type RequestHost, registerRequests, routeByTerminal } from './requests';
import type { RouterContext } from './router-context';
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

/** The cluster as one IpcChannel (see the module comment). */
export class ClusterChannel implements IpcChannel {
  private readonly client: DirectChannel;
  private readonly inner: DirectChannel;
  private readonly peer: RpcPeer;
  private readonly nodeLinks = new Map<string, NodeLink>();
  private readonly router: RouterContext;
  private readonly hooks: NodeLinkHooks;
  private readonly stopEvents: (() => void)[];
  private readonly session: ClusterSession = { init: undefined, principal: undefined, initialized: false };
  private readonly nodeEvents: NodeEvents;
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
    this.nodeEvents = new NodeEvents({
      router: this.router,
      nodeLinks: this.nodeLinks,
      backlog: this.backlog,
      notify: (method, params) => void this.peer.notify(method, params).catch(() => undefined),
      send: (message) => this.inner.send(message),
      closing: () => this.shuttingDown !== undefined,
      onError: (error) => this.options.onError?.(error),
    });
    this.hooks = {
      notification: (nodeId, method, params) => this.nodeEvents.fromNode(nodeId, method, params),
      closed: (link) => this.nodeEvents.linkClosed(link),
      error: options.onError,
      local: options.local === true,
      pace: () => this.backlog.full(),
    };
    const requests: RequestHost = {
      router: this.router,
      session: this.session,
      transactions: new ClusterTransactions(),
      nodeLinks: this.nodeLinks,
      options,
    };
    this.peer = new RpcPeer(this.inner, {
      onUnhandledRequest: (method, params, context) => routeByTerminal(requests, method, params, context),
      onClose: () => void this.shutdown(),
      onError: options.onError,
    });
    registerRequests(this.peer, requests);
    this.stopEvents = [
      links.on('node-lost', (node) => this.nodeEvents.nodeLost(node.id, node.reason)),
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

  private link(nodeId: string): NodeLink {
    const existing = this.nodeLinks.get(nodeId);
    if (existing?.usable) return existing;
    const init = this.session.init;
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
