// The ClusterLinks of one gateway connection: the client package's NatsClusterLinks (live nodes
// from the gateway's shared ClusterDirectory, sessions over its one NATS connection that reopen
// and resume after NATS drops), opened with THIS caller's orchflow token. The token is only known
// once the caller's `initialize` arrived, which is before the router opens any node session, so
// it is read when a session opens; every node then authenticates the caller itself.
import type { NatsConnection } from '@nats-io/transport-node';
import { type ClusterDirectory, type ClusterLinks, NatsClusterLinks } from '@orchflow/client/internal';

/** What the links of one connection share with the gateway. */
export interface GatewayLinkSource {
  nc: NatsConnection;
  directory: ClusterDirectory;
  cluster: string;
  /** How long a node has to answer a session request. */
  openTimeoutMs?: number;
}

/** The links of one gateway connection; `close()` once the connection ended. */
export interface GatewayLinks extends ClusterLinks {
  /** Stops watching the NATS connection for this caller (the connection and directory stay). */
  close(): void;
}

/**
 * Links for one caller; `token()` is the caller's orchflow token (undefined: none), read each time
 * a session opens. With `keepTerminals` the node sessions keep the terminals they spawn after they
 * end (REST requests). One NatsClusterLinks per connection, closed by `close()`: nothing of the
 * caller (its token included) stays behind on the shared NATS connection.
 */
export function gatewayLinks(
  source: GatewayLinkSource,
  token: () => string | undefined,
  keepTerminals = false,
): GatewayLinks {
  const { nc, directory, cluster, openTimeoutMs } = source;
  const links = new NatsClusterLinks(nc, directory, { cluster, openTimeoutMs, keepTerminals, token });
  return {
    nodes: () => links.nodes(),
    on: (event, listener) => links.on(event, listener),
    open: (nodeId) => links.open(nodeId),
    close: () => links.close(),
  };
}
