// `ClusterGateway`: what `orchflow serve --cluster` serves instead of an orchestrator. One NATS
// connection and one ClusterDirectory (the live nodes) shared by every client connection; each
// connection gets its own ClusterChannel (gateway-pipe.ts) whose node sessions carry that
// caller's token, so nodes authenticate and scope every caller themselves. The transports get it
// as their ChannelServer (`channels`) and its GatewayAuthenticator (`auth`); nothing else changes
// for them. The gateway holds no terminals: `kill` (a dropped connection's leftovers) does
// nothing here, the nodes keep them for their own reconnect grace.
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ClusterDirectory,
  checkClusterName,
  connectNats,
  DEFAULT_CLUSTER_NAME,
  type NatsConnectOptions,
  type NodeAnnouncement,
} from '@orchflow/client/internal';
import type { ServedChannel } from '@orchflow/core';
import type { ChannelServer } from '../channel-server';
import { GatewayAuthenticator } from './gateway-auth';
import { gatewayLinks } from './gateway-links';
import { pipeToCluster } from './gateway-pipe';

/** Options of {@link ClusterGateway.open}. */
export interface ClusterGatewayOptions {
  /** How to reach NATS: servers, NATS credentials, TLS. */
  nats: Omit<NatsConnectOptions, 'cluster'>;
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  /** How long list/metrics/bulk controls wait for each node. Default 10 s. */
  fanOutTimeoutMs?: number;
  /** How long a node session may take to open and initialize. Default 10 s. */
  connectTimeoutMs?: number;
}

/** A cluster offered to local transports (see the module comment). */
export class ClusterGateway {
  /** Accepts callers' tokens to forward them; give it to the transports as `auth`. */
  readonly auth = new GatewayAuthenticator();
  /** Serves connections by the cluster; give it to the transports as `channels`. */
  readonly channels: ChannelServer;
  private readonly served = new Set<ServedChannel>();
  private stopping: Promise<void> | undefined;
  // An ES private field, not `private`: nats.js keeps the NATS credentials in the connection's
  // options, and loggers print what they are handed (`util.inspect`, `JSON.stringify`).
  readonly #nc: NatsConnection;

  private constructor(
    nc: NatsConnection,
    private readonly directory: ClusterDirectory,
    readonly cluster: string,
    options: ClusterGatewayOptions,
  ) {
    this.#nc = nc;
    const source = {
      links: (token: () => string | undefined, keepTerminals: boolean) =>
        gatewayLinks({ nc, directory, cluster }, token, keepTerminals),
      tokenOf: this.auth.tokenOf.bind(this.auth),
      fanOutTimeoutMs: options.fanOutTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    };
    this.channels = {
      serve: (channel, serveOptions) => {
        const served = pipeToCluster(source, channel, serveOptions);
        this.served.add(served);
        void served.closed.then(() => this.served.delete(served));
        return served;
      },
      kill: async () => undefined,
    };
  }

  /** Connects to NATS and loads the cluster's live nodes; throws Unauthorized/Unavailable from NATS. */
  static async open(options: ClusterGatewayOptions): Promise<ClusterGateway> {
    const cluster = checkClusterName(options.cluster ?? DEFAULT_CLUSTER_NAME);
    const nc = await connectNats({ name: 'orchflow-gateway', ...options.nats, cluster });
    try {
      const directory = await ClusterDirectory.open(nc, { cluster });
      return new ClusterGateway(nc, directory, cluster, options);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  /** The nodes live now. */
  nodes(): NodeAnnouncement[] {
    return this.directory.nodes();
  }

  /** @internal The gateway's NATS connection (for tests; kept out of `util.inspect` and JSON). */
  get natsConnection(): NatsConnection {
    return this.#nc;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.served.size;
  }

  /** Ends every connection (nodes keep their terminals for their grace), then leaves NATS. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.allSettled([...this.served].map((served) => served.close()));
      this.directory.close();
      await this.#nc.drain().catch(() => this.#nc.close());
    })();
    return this.stopping;
  }

  /** Closes it like a server in the orchestrator's place (shutdown on SIGINT/SIGTERM). */
  shutdown(): Promise<void> {
    return this.stop();
  }
}
