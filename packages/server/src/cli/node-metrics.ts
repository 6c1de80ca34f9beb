// `orchflow node --metrics-port PORT`: the node's Prometheus scrape on a small HTTP listener of its
// own (clients reach the node over NATS; Prometheus needs HTTP). The scrape is the orchestrator's
// MetricsPlugin plus one `orchflow_cluster_node_info` series naming the node; the access rule is
// `orchflow serve --metrics`'s (http-metrics.ts): loopback peers without a token unless
// `--metrics-auth token` (the default when `--tokens` configures tokens), else the metrics token
// or an admin token of `--tokens`. Flag problems are usage errors (one line, exit 2).
import { MetricsPlugin, type Orchestrator } from '@orchflow/core';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { Gauge } from 'prom-client';
import { isLoopbackHost, type TokenAuthenticator } from '../auth';
import { MetricsListener } from '../http/metrics-listener';
import { usageError } from './recording-args';
import { VERSION } from './version';

/** The metrics flags of `orchflow node` (and `--tokens`, which sets `--metrics-auth`'s default). */
export interface NodeMetricsFlags {
  metricsPort?: string;
  metricsHost?: string;
  metricsToken?: string;
  metricsAuth?: string;
  tokens?: string;
}

/** The node's metrics listener as the flags ask for it, validated. */
export interface NodeMetricsSettings {
  host: string;
  port: number;
  token?: string;
  /** `--metrics-auth`, or its default: `token` with `--tokens`, else `loopback`. */
  auth: 'token' | 'loopback';
}

/** Interface the node's metrics listener binds by default. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** Shortest `--metrics-token` (as `orchflow serve` requires). */
const MIN_METRICS_TOKEN_LENGTH = 16;

/** Checks the metrics flags; undefined without `--metrics-port`. Throws usage errors (InvalidParams). */
export function nodeMetricsSettings(flags: NodeMetricsFlags): NodeMetricsSettings | undefined {
  if (flags.metricsPort === undefined) {
    const stray = (
      [
        ['--metrics-host', flags.metricsHost],
        ['--metrics-token', flags.metricsToken],
        ['--metrics-auth', flags.metricsAuth],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray)
      throw usageError(`${stray[0]} configures the node's /metrics listener: pass --metrics-port PORT too`);
    return undefined;
  }
  const port = Number(flags.metricsPort);
  if (!/^\d+$/.test(flags.metricsPort.trim()) || port > 65_535) {
    throw usageError(
      `--metrics-port must be a port from 0 to 65535 (0 picks a free one), not '${flags.metricsPort}'`,
    );
  }
  const token = flags.metricsToken;
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw usageError(`--metrics-token must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long`);
  }
  const auth = flags.metricsAuth ?? (flags.tokens === undefined ? 'loopback' : 'token');
  if (auth !== 'token' && auth !== 'loopback') {
    throw usageError(`--metrics-auth must be token or loopback, not '${flags.metricsAuth}'`);
  }
  const host = flags.metricsHost ?? DEFAULT_METRICS_HOST;
  if (host.trim() === '') throw usageError('--metrics-host must name an interface, e.g. 127.0.0.1');
  // Without any token only loopback peers can scrape: such a listener is useless off loopback.
  const scrapeToken = token !== undefined || flags.tokens !== undefined;
  if (!scrapeToken && (auth === 'token' || !isLoopbackHost(host))) {
    throw usageError(
      auth === 'token'
        ? '--metrics-auth token needs a token to scrape with: pass --metrics-token (16+ characters) or --tokens FILE'
        : `--metrics-host ${host} is reachable off loopback, where a scrape needs a token: pass --metrics-token (16+ characters) or --tokens FILE`,
    );
  }
  return { host, port, token, auth };
}

/** What {@link startNodeMetrics} needs to know about the node. */
export interface NodeMetricsTarget {
  /** Built with metrics (`withMetrics`): its MetricsPlugin's registry is served. */
  orchestrator: Orchestrator;
  /** The node's `--tokens` (admins may scrape). */
  auth?: TokenAuthenticator;
  nodeId: string;
  cluster: string;
  /** Client sessions the node holds open now (read at scrape time). */
  sessions?: () => number;
}

/** Starts the node's metrics listener; resolves with it and its `/metrics` URL. */
export async function startNodeMetrics(
  settings: NodeMetricsSettings,
  target: NodeMetricsTarget,
): Promise<{ listener: MetricsListener; url: string }> {
  const plugin = MetricsPlugin.of(target.orchestrator);
  if (!plugin) {
    throw new OrchflowError(ErrorCode.InvalidState, 'The node was built without metrics (withMetrics)');
  }
  // Which node and cluster a scrape is from: one constant series (Prometheus's `_info` idiom), so
  // the identity never multiplies the orchestrator's series. No terminal ids or commands here.
  new Gauge({
    name: 'orchflow_cluster_node_info',
    help: 'This orchflow cluster node (value 1): its node id, cluster and version.',
    labelNames: ['node', 'cluster', 'version'],
    registers: [plugin.registry],
  }).set({ node: target.nodeId, cluster: target.cluster, version: VERSION }, 1);
  const sessions = target.sessions;
  if (sessions) {
    new Gauge({
      name: 'orchflow_cluster_node_sessions_open',
      help: 'Client sessions this node holds open now (bounded by --max-sessions).',
      registers: [plugin.registry],
      collect() {
        this.set(sessions());
      },
    });
  }
  const listener = new MetricsListener({
    host: settings.host,
    port: settings.port,
    metrics: {
      registry: plugin.registry,
      token: settings.token,
      allowLoopback: settings.auth === 'loopback',
    },
    auth: target.auth,
  });
  const address = await listener.start();
  return { listener, url: address.url };
}
