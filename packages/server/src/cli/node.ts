// `orchflow node`: runs an orchestrator (any backend, any policy) as one node of an orchflow
// cluster on NATS: terminal ids `<node>_…`, an announcement with heartbeat in the cluster's KV
// bucket, sessions checked against the tokens file as `orchflow serve` checks them. Prints one
// line when ready; SIGINT/SIGTERM stop it gracefully (its key is deleted, sessions closed).
// Flags are checked in the action so every usage problem exits 2 with one line.
import { hostname } from 'node:os';
import {
  checkClusterName,
  checkNodeId,
  DEFAULT_CLUSTER_NAME,
  MAX_NODE_TTL_MS,
  nodeIdFromHostname,
} from '@orchflow/client/internal';
import { TokenAuthenticator } from '../auth';
import { ClusterNode, DEFAULT_NODE_CAPACITY } from '../cluster/node';
import { INTERNAL_ERROR_LOG_BURST, logInternalErrors } from '../internal-error-log';
import { throttledLog } from '../log-throttle';
import { createLogger } from '../logger';
import { logFormat } from './log-flags';
import { type NodeMetricsFlags, nodeMetricsSettings, startNodeMetrics } from './node-metrics';
import { buildOrchestrator, openAuditLog } from './orchestrator';
import { effectivePolicy } from './policy-flag';
import { positiveNumber, usageError } from './recording-args';
import { type Stoppable, shutdownOnSignals } from './shutdown';
import { VERSION } from './version';

/** Flags of `orchflow node` (with `--metrics-port`/`-host`/`-token`/`-auth`, see node-metrics.ts). */
export interface NodeFlags extends NodeMetricsFlags {
  nats?: string;
  name?: string;
  capacity?: string;
  labels?: string;
  clusterName?: string;
  nodeTtl?: string;
  sessionTtl?: string;
  reconnectGrace?: string;
  /** `--max-sessions`: client sessions open at once. */
  maxSessions?: string;
  tokens?: string;
  /** `--insecure-no-auth`: run without `--tokens`, every session admin. */
  insecureNoAuth?: boolean;
  natsToken?: string;
  natsUser?: string;
  natsPass?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsInboxPrefix?: string;
  allowInboxPrefix?: string[];
  backend: string;
  tmuxSocket?: string;
  policy?: string;
  auditLog?: string;
  logLevel?: string;
  logFormat?: string;
}

/** `--labels k=v,k2=v2` as a record. */
export function parseLabels(value: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (value === undefined || value.trim() === '') return labels;
  for (const pair of value.split(',')) {
    const cut = pair.indexOf('=');
    const key = pair.slice(0, cut).trim();
    if (cut <= 0 || !/^[A-Za-z0-9_./-]{1,64}$/.test(key)) {
      throw usageError(`--labels takes k=v pairs separated by ',' (e.g. gpu=yes,zone=a), not '${pair}'`);
    }
    labels[key] = pair.slice(cut + 1).trim();
  }
  return labels;
}

function whole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = positiveNumber(flag, value);
  if (!Number.isInteger(n)) throw usageError(`${flag} must be a whole number, not '${value}'`);
  return n;
}

/** `--reconnect-grace`: a whole number of ms, 0 allowed (kill at once). */
function graceMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw usageError(`--reconnect-grace must be a whole number of milliseconds (0 or more), not '${value}'`);
  }
  return n;
}

function natsAuth(flags: NodeFlags) {
  const kinds = [flags.natsToken, flags.natsUser, flags.natsCreds].filter((x) => x !== undefined).length;
  if (kinds > 1) throw usageError('Pass one of --nats-token, --nats-user/--nats-pass or --nats-creds');
  if (flags.natsPass !== undefined && flags.natsUser === undefined)
    throw usageError('--nats-pass needs --nats-user');
  if (flags.natsUser !== undefined && flags.natsPass === undefined)
    throw usageError('--nats-user needs --nats-pass');
  return {
    token: flags.natsToken,
    user: flags.natsUser,
    pass: flags.natsPass,
    credsFile: flags.natsCreds,
    tls: flags.natsTlsCa === undefined ? undefined : { caFile: flags.natsTlsCa },
    inboxPrefix: flags.natsInboxPrefix,
  };
}

/** Runs `orchflow node`; resolves with the exit code after shutdown. */
export async function runNode(flags: NodeFlags): Promise<number> {
  if (!flags.nats)
    throw usageError('orchflow node needs --nats nats://HOST:4222 (the NATS server of the cluster)');
  const nodeId = checkNodeId(flags.name ?? nodeIdFromHostname(hostname()));
  const cluster = checkClusterName(flags.clusterName ?? DEFAULT_CLUSTER_NAME);
  const capacity = whole('--capacity', flags.capacity) ?? DEFAULT_NODE_CAPACITY;
  const ttlMs = whole('--node-ttl', flags.nodeTtl);
  if (ttlMs !== undefined && ttlMs > MAX_NODE_TTL_MS) {
    throw usageError(
      `--node-ttl ${ttlMs}: at most ${MAX_NODE_TTL_MS} (10 minutes); directories read a longer one as that`,
    );
  }
  const sessionTtlMs = whole('--session-ttl', flags.sessionTtl);
  const reconnectGraceMs = graceMs(flags.reconnectGrace);
  const maxSessions = whole('--max-sessions', flags.maxSessions);
  const labels = parseLabels(flags.labels);
  const nats = { servers: flags.nats.split(',').map((s) => s.trim()), ...natsAuth(flags) };
  if (flags.backend !== 'direct' && flags.backend !== 'tmux') {
    throw usageError(`Unknown backend '${flags.backend}'; use --backend direct or --backend tmux`);
  }
  const format = logFormat(flags.logFormat);
  const log = createLogger({ level: flags.logLevel as never, format });
  if (!flags.tokens && !flags.insecureNoAuth) {
    // Anyone who can publish to the cluster's NATS subjects reaches the node: without tokens every
    // one of them would be admin, so that takes a flag that says so.
    throw usageError(
      'orchflow node needs --tokens FILE (the tokens and principals clients present, as for orchflow serve); ' +
        'without it anyone who can reach the cluster on NATS is admin. Pass --insecure-no-auth to run so anyway',
    );
  }
  const metrics = nodeMetricsSettings(flags);
  const auth = flags.tokens ? await TokenAuthenticator.fromFile(flags.tokens) : undefined;
  // A node is reachable by anyone with access to the cluster's NATS subjects: a network listener.
  const chosen = await effectivePolicy(flags.policy, true);
  const policy =
    flags.policy === undefined
      ? { ...chosen, description: 'standard (default for nodes; --policy trusted|locked|FILE to change)' }
      : chosen;
  const audit = await openAuditLog(flags.auditLog);
  const orchestrator = await buildOrchestrator({
    backend: flags.backend,
    tmuxSocket: flags.tmuxSocket,
    policy: policy.policy,
    auditLog: audit,
    maxTerminals: capacity,
    terminalIdPrefix: `${nodeId}_`,
    metrics: metrics !== undefined,
  });
  const node = new ClusterNode({
    orchestrator,
    nats,
    nodeId,
    cluster,
    labels,
    capacity,
    ttlMs,
    sessionTtlMs,
    reconnectGraceMs,
    maxSessions,
    inboxPrefixes: flags.allowInboxPrefix,
    auth,
    principal: auth ? undefined : { kind: 'admin', name: 'nats' },
    // Internal failures in full under the error id their client was given (rate-limited as
    // `orchflow serve` does); anything else is a problem the node recovers from.
    onError: logInternalErrors(
      throttledLog((fields, message) => log.error(fields, message), { burst: INTERNAL_ERROR_LOG_BURST }),
      (error) => log.warn({ err: error.message }, 'cluster node problem'),
      { transport: 'nats' },
    ),
  });
  const servers: Stoppable[] = [node];
  const shutdown = shutdownOnSignals(servers, orchestrator, log);
  let metricsUrl: string | undefined;
  try {
    // Listening before joining: a taken port fails the start before the node is announced.
    if (metrics) {
      const scrape = await startNodeMetrics(metrics, {
        orchestrator,
        auth,
        nodeId,
        cluster,
        sessions: () => node.sessionCount,
      });
      servers.push(scrape.listener);
      metricsUrl = scrape.url;
    }
    await node.start();
  } catch (error) {
    shutdown.trigger('startup failed');
    await shutdown.done;
    throw error;
  }
  const open = auth
    ? `${auth.size} token(s) from ${flags.tokens}`
    : 'NO TOKENS: anyone who can publish to the cluster subjects is admin';
  const fields = {
    version: VERSION,
    node: nodeId,
    cluster,
    nats: nats.servers,
    capacity,
    labels,
    policy: policy.description,
    auth: open,
    ...(metricsUrl ? { metrics: metricsUrl, metricsAuth: metrics?.auth } : {}),
  };
  if (format === 'json') log.info(fields, 'node ready');
  else {
    process.stderr.write(
      `orchflow ${VERSION} node '${nodeId}' ready in cluster '${cluster}' on ${nats.servers.join(',')} (capacity ${capacity}, policy ${policy.description}; ${open}${metricsUrl ? `; metrics ${metricsUrl}` : ''}; Ctrl-C to stop)\n`,
    );
  }
  const code = await shutdown.done;
  await audit?.close();
  return code;
}
