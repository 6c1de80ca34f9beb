// The Prometheus registry `orchflow serve --cluster … --metrics` serves. A gateway runs no
// orchestrator, so there are no terminal or command metrics here (scrape the nodes' --metrics-port
// for those): Node's default metrics of the gateway process, the cluster's live nodes as its
// directory sees them, and the client connections the gateway holds — both read at scrape time.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { VERSION } from '../cli/version';
import type { ClusterGateway } from './gateway';

/** Prefix of every metric (as @orchflow/core's MetricsPlugin names its own). */
const PREFIX = 'orchflow_';

/** What the registry reads from the gateway. */
export type GatewayMetricsSource = Pick<ClusterGateway, 'nodes' | 'connectionCount' | 'cluster'>;

/** A new registry with the gateway's metrics (see the module comment). */
export function gatewayRegistry(gateway: GatewayMetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  // prom-client's `nodejs_active_*_total` are gauges: a `_total` gauge breaks the naming
  // convention (promtool rejects it); the MetricsPlugin drops them for the same reason.
  for (const metric of registry.getMetricsAsArray()) {
    if (metric instanceof Gauge && metric.name.endsWith('_total')) registry.removeSingleMetric(metric.name);
  }
  new Gauge({
    name: `${PREFIX}cluster_nodes_live`,
    help: "Nodes of the cluster live now, as the gateway's directory sees them (announced, heartbeat within their TTL).",
    registers: [registry],
    collect() {
      this.set(gateway.nodes().length);
    },
  });
  new Gauge({
    name: `${PREFIX}gateway_connections_open`,
    help: 'Client connections the gateway serves now (every transport; MCP sessions and REST requests in flight too).',
    registers: [registry],
    collect() {
      this.set(gateway.connectionCount);
    },
  });
  new Gauge({
    name: `${PREFIX}cluster_gateway_info`,
    help: 'This orchflow cluster gateway (value 1): the cluster it serves and its version.',
    labelNames: ['cluster', 'version'],
    registers: [registry],
  }).set({ cluster: gateway.cluster, version: VERSION }, 1);
  return registry;
}
