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

// The whole cluster over NATS as one client (`OrchflowClient.nats`), its options and the cluster's
// error data. The router, node sessions and directory it is built from are @orchflow/client/internal.
export type { UnavailableReason } from './cluster/errors';
export { CLUSTER_FEATURE } from './cluster/merge';
// Everything the root entry exports (errors and their checks, RemoteTerminal, options and event
// types…), so a Node program imports from this entry alone; its own OrchflowClient above wins.
export * from './index';
export {
  connectNatsCluster,
  type NatsClusterClientOptions,
  NatsClusterClientOptionsSchema,
} from './nats/cluster-client';
export { type NatsConnectOptions, NatsConnectOptionsSchema } from './nats/connect';
export type { NatsAuthOptions } from './nats/node-client';
export { DEFAULT_CLUSTER_NAME } from './nats/subjects';
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
