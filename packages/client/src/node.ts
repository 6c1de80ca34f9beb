// @orchflow/client/node — Node-only transports. Its `OrchflowClient` is a subclass of the root
// entry's with the constructors that need `node:*` modules (`stdio`, `unixSocket`, a `websocket`
// that uses `ws`, and an `http` that uses `node:http`); importing this entry changes nothing for
// other importers.
import { OrchflowClient as BaseClient } from './client';
import { connectNatsCluster } from './nats/cluster-client';
import type { HttpClientOptions } from './transports/http';
import { createNodeHttpExchange } from './transports/http-node-exchange';
import { connectStdio } from './transports/stdio';
import { connectUnixSocket } from './transports/unix-socket';
import { connectWebSocket } from './transports/websocket-node';

/** `OrchflowClient` with the Node-only constructors; the clients it returns are the same class. */
class NodeOrchflowClient extends BaseClient {
  /** Spawns a supervised sidecar (`orchflow serve --stdio`) and connects to it. */
  static readonly stdio: typeof connectStdio = connectStdio;
  /** Connects to `orchflow serve --unix PATH`. */
  static readonly unixSocket: typeof connectUnixSocket = connectUnixSocket;
  /**
   * Connects to a whole orchflow cluster over NATS (`orchflow node` processes): spawns are placed
   * on live nodes by labels and load, every call naming a terminal goes to its node, listings and
   * metrics gather all nodes. `token` is the orchflow token; NATS credentials go under `nats`.
   * Connecting while no node is live succeeds; spawns then fail at once with `Unavailable`.
   */
  static readonly nats: typeof connectNatsCluster = connectNatsCluster;
  /** Connects to `orchflow serve --ws` with `ws`; reconnects and resumes streams by default. */
  static override readonly websocket: typeof connectWebSocket = connectWebSocket;
  /**
   * Connects to `orchflow serve --http` as one session, over `node:http` with keep-alive
   * connections (Node's global `fetch` costs about 1 ms of CPU per message) unless `fetch` or
   * `exchange` is given; messages then go on one streamed POST (`messageStream`) once it proves
   * to reach the server.
   */
  static override http(url: string, options: HttpClientOptions = {}): Promise<BaseClient> {
    const own = options.fetch === undefined && options.exchange === undefined;
    return BaseClient.http(url, own ? { ...options, exchange: createNodeHttpExchange() } : options);
  }
}

/** `OrchflowClient` with the Node-only constructors (`stdio`, `unixSocket`, `websocket` over `ws`, `nats`). */
export const OrchflowClient: typeof NodeOrchflowClient = NodeOrchflowClient;
// The class itself as a type: the API reference documents its constructors under this name.
export type { NodeOrchflowClient };
/** A connection to an orchflow server; the same API over every transport. */
export type OrchflowClient = BaseClient;

// Cluster router: a whole orchflow cluster as one IpcChannel (placement, routing, fan-out)
export { DEFAULT_ROUTER_BACKLOG_BYTES } from './cluster/backlog';
export {
  ClusterChannel,
  type ClusterChannelOptions,
  DEFAULT_FAN_OUT_TIMEOUT_MS,
  DEFAULT_NODE_CONNECT_TIMEOUT_MS,
} from './cluster/cluster-channel';
export { defaultNodeCapabilities, NODE_DEFAULT_FEATURES, UNVERIFIED_PRINCIPAL } from './cluster/defaults';
export type { UnavailableReason } from './cluster/errors';
export type { ClusterLinkEvent, ClusterLinkNode, ClusterLinks, ClusterNodeInfo } from './cluster/links';
export { CLUSTER_FEATURE } from './cluster/merge';
// Everything the root entry exports (errors and their checks, RemoteTerminal, options and event
// types…), so a Node program imports from this entry alone; its own OrchflowClient above wins.
export * from './index';
// orchflow cluster over NATS: names, announcements, chunking, sessions with one node, the node
// directory. The NATS client modules are loaded with `import()` only when one of these connects.
export {
  DEFAULT_NODE_TTL_MS,
  isLive,
  MAX_NODE_TTL_MS,
  type NodeAnnouncement,
  NodeAnnouncementSchema,
  parseAnnouncement,
} from './nats/announcement';
export {
  CHUNK_HEADROOM_BYTES,
  ChunkAssembler,
  type ChunkPart,
  COUNTED_WHOLE_MESSAGE_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  type ReassemblyBudget,
  splitMessage,
} from './nats/chunking';
// The whole cluster over NATS as one client (`OrchflowClient.nats`) and the router's NATS links
export {
  connectNatsCluster,
  type NatsClusterClientOptions,
  NatsClusterClientOptionsSchema,
} from './nats/cluster-client';
export { NatsClusterLinks, type NatsClusterLinksOptions } from './nats/cluster-links';
export {
  connectNats,
  loadNats,
  type NatsConnectOptions,
  NatsConnectOptionsSchema,
  type NatsModule,
  parseNatsOptions,
} from './nats/connect';
export {
  ClusterDirectory,
  type ClusterDirectoryEvents,
  type ClusterDirectoryOptions,
  DEFAULT_BUCKET_CHECK_INTERVAL_MS,
  type NodeLostReason,
  openNodesBucket,
} from './nats/directory';
export {
  AckCounter,
  DEFAULT_FLOW_WINDOW_BYTES,
  MAX_FLOW_WINDOW_BYTES,
  MIN_FLOW_WINDOW_BYTES,
  SendWindow,
} from './nats/flow-window';
export { connectNatsNode, type NatsAuthOptions, type NatsNodeClientOptions } from './nats/node-client';
export {
  DEFAULT_SESSION_OPEN_TIMEOUT_MS,
  DEFAULT_SESSION_TTL_MS,
  type NodeSessionOptions,
  openNodeSession,
  watchConnection,
} from './nats/session-channel';
export { NatsSessionChannel, type NatsSessionChannelOptions, SESSION_HEADER } from './nats/session-wire';
export {
  ACK_HEADER,
  CHUNK_HEADER,
  CLOSE_HEADER,
  CLUSTER_NAME_PATTERN,
  type ClusterSubjects,
  checkClusterName,
  checkNodeId,
  clusterSubjects,
  DEFAULT_CLUSTER_NAME,
  KEEPALIVE_HEADER,
  NODE_ID_PATTERN,
  nodeIdFromHostname,
  nodeOfTerminal,
} from './nats/subjects';
// HTTP sessions over `node:http` (what `OrchflowClient.http` uses here; also for custom wrappers)
export { createNodeHttpExchange } from './transports/http-node-exchange';
export { connectStdio, type StdioClientOptions } from './transports/stdio';
// stdio sidecar transport
export { SidecarChannel, type SidecarEvent, type SidecarSupervision } from './transports/stdio-channel';
export { type SidecarCommand, type SidecarExit, STDERR_TAIL_CHARS } from './transports/stdio-process';
// Unix socket transport
export {
  connectUnixSocket,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type UnixSocketClientOptions,
  unixSocketChannel,
} from './transports/unix-socket';
// WebSocket transport over `ws` (reconnecting; authenticates by header and in `initialize`)
export {
  connectWebSocket,
  createNodeWebSocket,
  DEFAULT_WS_LIVENESS_INTERVAL_MS,
  type NodeWebSocketOptions,
} from './transports/websocket-node';
