// `connectNatsNode`: an OrchflowClient for one cluster node over NATS. It opens its own NATS
// connection (or uses the one given), opens a session on the node and, unless `reconnect: false`,
// wraps it in a ReconnectingChannel: when NATS drops (the session cannot be trusted after lost
// messages) a new session is opened once NATS is back, `initialize` is sent again and every
// output stream resumes from its last offset, as over a reconnecting WebSocket.
import type { NatsConnection } from '@nats-io/transport-node';
import { ChannelClosedError } from '@orchflow/protocol/runtime';
import { OrchflowClient, type OrchflowClientOptions } from '../client';
import { ReconnectingChannel, type ReconnectOptions } from '../reconnect-channel';
import { closingWith } from './closing-channel';
import { connectNats, type NatsConnectOptions } from './connect';
import { type NodeSessionOptions, openNodeSession } from './session-channel';

/** NATS credentials, TLS and connection name (everything of {@link NatsConnectOptions} but the address). */
export type NatsAuthOptions = Omit<NatsConnectOptions, 'servers' | 'cluster'>;

/** Options of {@link connectNatsNode}. */
export interface NatsNodeClientOptions
  extends OrchflowClientOptions,
    Pick<NodeSessionOptions, 'openTimeoutMs' | 'maxMessageBytes' | 'binaryOutput'> {
  /** NATS server URL(s); not needed with `connection`. */
  servers?: string | string[];
  /** NATS credentials and TLS (`token` there is the NATS token; `token` here is orchflow's). */
  nats?: NatsAuthOptions;
  /** An open NATS connection to use instead (left open by `close()`). */
  connection?: NatsConnection;
  /** Node id to connect to. */
  node: string;
  /** Cluster name. Default `orchflow`. */
  cluster?: string;
  /** Reconnect and resume streams after NATS drops (default), or `false` to end with the session. */
  reconnect?: ReconnectOptions | false;
}

/** Connects an {@link OrchflowClient} to one node of an orchflow cluster over NATS. */
export async function connectNatsNode(options: NatsNodeClientOptions): Promise<OrchflowClient> {
  const {
    servers,
    nats,
    connection,
    node,
    cluster,
    reconnect,
    openTimeoutMs,
    maxMessageBytes,
    binaryOutput,
    ...rest
  } = options;
  if (connection === undefined && servers === undefined) {
    throw new ChannelClosedError("connectNatsNode needs 'servers' (NATS URLs) or an open 'connection'");
  }
  const nc = connection ?? (await connectNats({ ...nats, servers: servers as string | string[], cluster }));
  const session = { node, cluster, token: rest.token, openTimeoutMs, maxMessageBytes, binaryOutput };
  const connect = () => openNodeSession(nc, session);
  try {
    const channel =
      reconnect === false ? await connect() : await ReconnectingChannel.open(connect, reconnect ?? {});
    const owned = connection === undefined ? closingWith(channel, () => nc.close()) : channel;
    return await OrchflowClient.fromChannel(owned, rest);
  } catch (error) {
    if (connection === undefined) await nc.close().catch(() => undefined);
    throw error;
  }
}
