// `orchflow serve --cluster nats://HOST:PORT`: the flags of gateway mode, checked before anything
// starts (a conflict is a usage error: one line, exit 2), and the gateway's NATS options. A gateway
// serves no local orchestrator, so everything that configures one — backend, policy, tokens (the
// callers' tokens are forwarded to the nodes, which check them), recording, terminal cap, audit
// log — is refused with it. /metrics serves the gateway's own metrics (cluster/gateway-metrics.ts)
// to loopback and --metrics-token only: the gateway has no admin tokens. The monitor (--ui) is
// served: its logins are judged by the nodes (cluster/gateway-login.ts).

import { OrchflowClient } from '@orchflow/client';
import { checkClusterName, DEFAULT_CLUSTER_NAME } from '@orchflow/client/internal';
import { DirectChannel, type Principal } from '@orchflow/protocol';
import type { ClusterGateway, ClusterGatewayOptions } from '../cluster/gateway';
import { usageError } from './recording-args';

/** The gateway flags of `orchflow serve`. */
export interface ServeClusterFlags {
  /** `--cluster URLS`: the NATS server(s) of the cluster to offer. */
  cluster?: string;
  clusterName?: string;
  natsToken?: string;
  natsUser?: string;
  natsPass?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsInboxPrefix?: string;
}

/** The serve flags that make no sense without a local orchestrator, and why. */
const LOCAL_ONLY: readonly [flag: string, key: string, why: string][] = [
  ['--policy', 'policy', 'each node enforces its own --policy'],
  ['--token', 'token', "callers' tokens are forwarded to the nodes, which check them against their --tokens"],
  [
    '--tokens',
    'tokens',
    "callers' tokens are forwarded to the nodes, which check them against their --tokens",
  ],
  ['--max-terminals', 'maxTerminals', 'each node has its own --capacity'],
  ['--audit-log', 'auditLog', 'each node keeps its own --audit-log'],
  ['--record', 'record', 'terminals are recorded where they run'],
  ['--record-format', 'recordFormat', 'terminals are recorded where they run'],
  ['--record-input', 'recordInput', 'terminals are recorded where they run'],
  ['--record-max-bytes', 'recordMaxBytes', 'terminals are recorded where they run'],
  ['--record-dir-max-bytes', 'recordDirMaxBytes', 'terminals are recorded where they run'],
  ['--record-rotate', 'recordRotate', 'terminals are recorded where they run'],
  ['--record-retention', 'recordRetention', 'terminals are recorded where they run'],
];

/** The gateway's options from the flags, and its NATS servers (for the banner). */
export type GatewayFlagOptions = ClusterGatewayOptions & { cluster: string; servers: string[] };

const NATS_ONLY: readonly [flag: string, key: keyof ServeClusterFlags][] = [
  ['--cluster-name', 'clusterName'],
  ['--nats-token', 'natsToken'],
  ['--nats-user', 'natsUser'],
  ['--nats-pass', 'natsPass'],
  ['--nats-creds', 'natsCreds'],
  ['--nats-tls-ca', 'natsTlsCa'],
  ['--nats-inbox-prefix', 'natsInboxPrefix'],
];

/**
 * Checks the gateway flags (usage errors, exit 2): `--cluster` with a local-only flag, a NATS flag
 * without `--cluster`, mixed NATS credentials. Returns the gateway's options, or undefined when
 * `--cluster` is not given.
 */
export function gatewayOptions(
  flags: ServeClusterFlags & { backend?: string; tmuxSocket?: string },
): GatewayFlagOptions | undefined {
  const given = flags as Record<string, unknown>;
  if (flags.cluster === undefined) {
    const stray = NATS_ONLY.find(([, key]) => given[key] !== undefined);
    if (stray)
      throw usageError(
        `${stray[0]} configures the gateway's NATS connection: pass --cluster nats://HOST:PORT too`,
      );
    return undefined;
  }
  for (const [flag, key, why] of LOCAL_ONLY) {
    if (given[key] !== undefined && given[key] !== false) {
      throw usageError(`${flag} cannot be used with --cluster (a gateway runs no terminals itself: ${why})`);
    }
  }
  // Commander fills in the defaults of these two: only another value is a conflict.
  if ((flags.backend ?? 'direct') !== 'direct' || (flags.tmuxSocket ?? 'orchflow') !== 'orchflow') {
    throw usageError(
      '--backend/--tmux-socket cannot be used with --cluster (terminals run on the nodes: orchflow node --backend)',
    );
  }
  if (given.metricsAuth === 'token' && given.metricsToken === undefined) {
    throw usageError(
      '--metrics-auth token with --cluster needs --metrics-token: a gateway has no admin tokens of its own to scrape with',
    );
  }
  const servers = flags.cluster
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (
    servers.length === 0 ||
    !servers.every((s) => /^(nats|tls|wss?):\/\/[^\s/]+/.test(s) || /^[^\s/:]+:\d+$/.test(s))
  ) {
    throw usageError(`--cluster takes NATS server URLs (nats://HOST:PORT[,…]), not '${flags.cluster}'`);
  }
  const kinds = [flags.natsToken, flags.natsUser, flags.natsCreds].filter((x) => x !== undefined).length;
  if (kinds > 1) throw usageError('Pass one of --nats-token, --nats-user/--nats-pass or --nats-creds');
  if ((flags.natsUser === undefined) !== (flags.natsPass === undefined)) {
    throw usageError('--nats-user and --nats-pass go together');
  }
  let cluster: string;
  try {
    cluster = checkClusterName(flags.clusterName ?? DEFAULT_CLUSTER_NAME);
  } catch (error) {
    throw usageError(`--cluster-name: ${(error as Error).message}`);
  }
  return {
    cluster,
    servers,
    nats: {
      servers,
      token: flags.natsToken,
      user: flags.natsUser,
      pass: flags.natsPass,
      credsFile: flags.natsCreds,
      tls: flags.natsTlsCa === undefined ? undefined : { caFile: flags.natsTlsCa },
      inboxPrefix: flags.natsInboxPrefix,
    },
  };
}

/**
 * An MCP session's orchflow connection through the gateway: an in-process channel served by the
 * cluster with the HTTP caller's token (its stand-in principal), so the nodes decide what it may do.
 */
export function gatewayMcpClient(
  gateway: ClusterGateway,
  identity: { name: string; version?: string; principal?: Principal },
): Promise<OrchflowClient> {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  gateway.channels.serve(serverEnd, { principal: identity.principal ?? gateway.auth.anonymousPrincipal() });
  return OrchflowClient.fromChannel(clientEnd, {
    clientInfo: { name: `mcp:${identity.name}`, version: identity.version },
  });
}
