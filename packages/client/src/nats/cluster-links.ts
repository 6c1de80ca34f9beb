// `NatsClusterLinks`: the cluster router's view of a NATS cluster (the `ClusterLinks` seam).
// Live nodes and their comings and goings come from the ClusterDirectory (the KV bucket of
// announcements); a link to a node is a session opened with `openNodeSession`. Unless reconnect
// is off, each session is wrapped in a ReconnectingChannel, as `connectNatsNode` does: when NATS
// drops (a session cannot be trusted after lost messages) a new session to the same node is
// opened once NATS is back, the router's `initialize` is sent again and the node's output streams
// resume by offset, so the router above sees one unbroken link. A node that is gone for good is
// declared lost by the directory (its TTL), which closes the link and stops the reconnecting.
import type { NatsConnection } from '@nats-io/transport-node';
import type { IpcChannel } from '@orchflow/protocol/runtime';
import type { ClusterLinkEvent, ClusterLinkNode, ClusterLinks, ClusterNodeInfo } from '../cluster/links';
import { ReconnectingChannel, type ReconnectOptions } from '../reconnect-channel';
import { ConnectionGate } from './connection-gate';
import type { ClusterDirectory } from './directory';
import { DEFAULT_SESSION_OPEN_TIMEOUT_MS, type NodeSessionOptions, openNodeSession } from './session-channel';

/** Options of {@link NatsClusterLinks}. */
export interface NatsClusterLinksOptions
  extends Pick<
    NodeSessionOptions,
    'openTimeoutMs' | 'maxMessageBytes' | 'binaryOutput' | 'keepTerminals' | 'flowWindowBytes'
  > {
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  /**
   * orchflow token each node checks when a session opens (and again in `initialize`); a function
   * is asked each time a session opens (a gateway learns its caller's token from `initialize`).
   */
  token?: string | (() => string | undefined);
  /**
   * Reopen a node's session after NATS drops and resume its streams (default, with these
   * options; their callbacks hear every node's reconnects), or `false`: a dropped session closes
   * the link, in-flight calls fail with `Unavailable` (`link-closed`) and streams with ChannelClosed.
   */
  reconnect?: ReconnectOptions | false;
}

/** The `ClusterLinks` of a cluster reached over NATS. */
export class NatsClusterLinks implements ClusterLinks {
  private readonly gate: ConnectionGate;
  private readonly options: Omit<NatsClusterLinksOptions, 'token'>;
  // ES private fields, not `private`: neither the token nor the NATS connection (whose options
  // hold the NATS credentials) may show in `util.inspect` or `JSON.stringify` of a client
  // (loggers serialise objects they are handed).
  readonly #token: NatsClusterLinksOptions['token'];
  readonly #nc: NatsConnection;

  constructor(
    nc: NatsConnection,
    private readonly directory: ClusterDirectory,
    options: NatsClusterLinksOptions = {},
  ) {
    const { token, ...rest } = options;
    this.options = rest;
    this.#token = token;
    this.#nc = nc;
    this.gate = new ConnectionGate(nc);
  }

  /** The nodes whose heartbeat is within their TTL. */
  nodes(): readonly ClusterNodeInfo[] {
    return this.directory.nodes();
  }

  /** `node-up` when a node becomes live, `node-lost` when its heartbeat expires or its key goes. */
  on(event: ClusterLinkEvent, listener: (node: ClusterLinkNode) => void): () => void {
    return event === 'node-up'
      ? this.directory.on('node-up', listener)
      : this.directory.on('node-lost', listener);
  }

  /** A new session to `nodeId` (reconnecting unless `reconnect: false`); Unavailable when unreachable. */
  open(nodeId: string): Promise<IpcChannel> {
    const { cluster, openTimeoutMs, maxMessageBytes, binaryOutput, keepTerminals, flowWindowBytes } =
      this.options;
    const reconnect = this.options.reconnect;
    const token = typeof this.#token === 'function' ? this.#token() : this.#token;
    const connect = async () => {
      // Not while NATS is reconnecting: the request would be lost and wait out its timeout.
      await this.gate.ready(openTimeoutMs ?? DEFAULT_SESSION_OPEN_TIMEOUT_MS);
      return openNodeSession(this.#nc, {
        node: nodeId,
        cluster,
        token,
        openTimeoutMs,
        maxMessageBytes,
        binaryOutput,
        keepTerminals,
        flowWindowBytes,
      });
    };
    return reconnect === false ? connect() : ReconnectingChannel.open(connect, reconnect ?? {});
  }

  /** Stops watching the connection (the directory and the connection are the caller's). */
  close(): void {
    this.gate.stop();
  }
}
