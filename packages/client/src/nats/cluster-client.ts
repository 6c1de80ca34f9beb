// `OrchflowClient.nats(...)` (`connectNatsCluster`): the whole client API over an orchflow
// cluster on NATS. It connects to NATS (or uses the given connection), opens the node directory
// (the cluster's KV bucket), and puts a ClusterChannel router over NatsClusterLinks under an
// ordinary OrchflowClient: spawns are placed on live nodes, calls naming a terminal go to its
// node, listings and metrics gather every node.
//
// Connecting to a cluster with no live node succeeds (capabilities are a default node's, the
// principal is unverified; see cluster/defaults.ts): its spawns then fail at once with
// `Unavailable` (`reason: 'no-node'`) until a node announces itself. A wrong orchflow token is
// refused at connect (`Unauthorized`) when a node is live to check it; refused NATS credentials
// fail with `Unauthorized` (`reason: 'nats-auth'`), an unreachable NATS with `Unavailable`.
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol/runtime';
import { z } from 'zod';
import { OrchflowClient, type OrchflowClientOptions } from '../client';
import { ClusterChannel } from '../cluster/cluster-channel';
import type { ReconnectOptions } from '../reconnect-channel';
import { closingWith } from './closing-channel';
import { NatsClusterLinks } from './cluster-links';
import { connectNats } from './connect';
import { ClusterDirectory } from './directory';
import type { NatsAuthOptions } from './node-client';
import { checkClusterName, DEFAULT_CLUSTER_NAME } from './subjects';

/** Options of {@link connectNatsCluster} (`OrchflowClient.nats`). */
export interface NatsClusterClientOptions extends OrchflowClientOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`; not needed with `connection`. */
  servers?: string | string[];
  /** NATS credentials, TLS and connection name (`nats.token` is NATS's; `token` is orchflow's). */
  nats?: NatsAuthOptions;
  /** An open NATS connection to use instead of `servers` (left open by `close()`). */
  connection?: NatsConnection;
  /** Cluster name (the subject namespace). Default `orchflow`. */
  cluster?: string;
  /**
   * Reopen a node's session after NATS drops and resume its streams by offset (default, with these
   * options; the callbacks hear each node session's reconnects), or `false` to fail them instead.
   */
  reconnect?: ReconnectOptions | false;
  /** How long opening and initializing a session on a node may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long listings, metrics and bulk controls wait for each node. Default 10 s. */
  fanOutTimeoutMs?: number;
  /** Largest reassembled message from a node. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Nodes send `terminal.output` as binary frames rather than JSON (see `NodeSessionOptions`). Default true. */
  binaryOutput?: boolean;
  /** How often node liveness (heartbeat age) is checked. Default 500 ms. */
  checkIntervalMs?: number;
}

const positive = z.number().int().positive();
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'expected a function');

/** Checks the shape of {@link NatsClusterClientOptions}; NATS credentials are checked when connecting. */
export const NatsClusterClientOptionsSchema = z
  .object({
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    nats: z.record(z.string(), z.unknown()).optional(),
    connection: z
      .custom<NatsConnection>((v) => typeof v === 'object' && v !== null, 'expected a NatsConnection')
      .optional(),
    cluster: z.string().optional(),
    token: z.string().optional(),
    clientInfo: z.object({ name: z.string().min(1), version: z.string().optional() }).optional(),
    timeoutMs: z.number().int().nonnegative().optional(),
    onError: fn.optional(),
    reconnect: z
      .union([
        z.literal(false),
        z
          .object({
            maxAttempts: positive.optional(),
            initialDelayMs: z.number().nonnegative().optional(),
            maxDelayMs: z.number().nonnegative().optional(),
            onReconnecting: fn.optional(),
            onReconnected: fn.optional(),
          })
          .strict(),
      ])
      .optional(),
    connectTimeoutMs: positive.optional(),
    fanOutTimeoutMs: positive.optional(),
    maxMessageBytes: positive.optional(),
    binaryOutput: z.boolean().optional(),
    checkIntervalMs: positive.optional(),
  })
  .strict()
  .refine((o) => o.servers !== undefined || o.connection !== undefined, {
    message: "pass 'servers' (NATS URLs) or an open 'connection'",
  });

/** Connects an {@link OrchflowClient} to a whole orchflow cluster over NATS (see the module comment). */
export async function connectNatsCluster(options: NatsClusterClientOptions): Promise<OrchflowClient> {
  const parsed = NatsClusterClientOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `'${issue.path.join('.')}': ` : '';
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Invalid OrchflowClient.nats options: ${where}${issue?.message ?? 'invalid'}`,
      parsed.error.issues,
    );
  }
  const { servers, nats, connection, cluster = DEFAULT_CLUSTER_NAME, reconnect, ...rest } = options;
  checkClusterName(cluster);
  const {
    connectTimeoutMs,
    fanOutTimeoutMs,
    maxMessageBytes,
    binaryOutput,
    checkIntervalMs,
    ...clientOptions
  } = rest;
  const nc = connection ?? (await connectNats({ ...nats, servers: servers as string | string[], cluster }));
  const owned = connection === undefined;
  let directory: ClusterDirectory | undefined;
  let router: ClusterChannel | undefined;
  let links: NatsClusterLinks | undefined;
  try {
    directory = await ClusterDirectory.open(nc, { cluster, checkIntervalMs });
    links = new NatsClusterLinks(nc, directory, {
      cluster,
      token: clientOptions.token,
      maxMessageBytes,
      binaryOutput,
      openTimeoutMs: connectTimeoutMs,
      reconnect,
    });
    router = new ClusterChannel(links, {
      transports: ['nats'],
      local: true,
      connectTimeoutMs,
      fanOutTimeoutMs,
      onError: clientOptions.onError,
    });
    const opened = { directory, links };
    return await OrchflowClient.fromChannel(
      closingWith(router, async () => {
        opened.links.close();
        opened.directory.close();
        if (owned) await nc.close();
      }),
      clientOptions,
    );
  } catch (error) {
    await router?.close().catch(() => undefined);
    links?.close();
    directory?.close();
    if (owned) await nc.close().catch(() => undefined);
    throw error;
  }
}
