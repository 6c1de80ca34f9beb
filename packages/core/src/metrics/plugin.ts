// `MetricsPlugin`: orchflow's Prometheus metrics (prom-client) as an OrchflowPlugin. It attaches
// in `onInit` (or later, with `attach`) through the orchestrator's public events and getters only:
// event-driven counters and histograms for spawns, exits, commands, denials, connections, RPC
// requests and audit appends; gauges and output totals read when the registry is scraped, so no
// output chunk pays for metrics. Label values come from fixed sets (labels.ts): no terminal ids,
// agent ids or command text ever become a series.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { Registry } from 'prom-client';
import type {
  AuditWriteEvent,
  CommandEndEvent,
  ConnectionEvent,
  RpcRequestEvent,
  SecurityAlertEvent,
} from '../events';
import type { Orchestrator } from '../orchestrator';
import type { OrchflowPlugin, PluginContext } from '../plugins';
import {
  createInstruments,
  createRecordingInstruments,
  type Instruments,
  METRIC_PREFIX,
  type RecordingStatsSource,
} from './instruments';
import { exitClass, exitOutcome, methodLabel, RuleLabels, spawnOutcome, transportLabel } from './labels';
import { promClient } from './prom-client';

/** Options of {@link MetricsPlugin} (and of `withMetrics` / `OrchestratorOptions.metrics`). */
export interface MetricsOptions {
  /**
   * Registry to register in: the embedder's own (scraped by their `/metrics`), or by default a new
   * one ({@link MetricsPlugin.registry}). Metric names must not be registered there already.
   */
  registry?: Registry;
  /**
   * Also collect Node's default metrics (CPU, memory, event loop lag, GC), named `orchflow_…`.
   * Default: true with the plugin's own registry, false with one you pass (you may collect them already).
   */
  defaultMetrics?: boolean;
  /**
   * A RecordingPlugin (anything with its `stats()`) whose counters to export as
   * `orchflow_recording*` metrics. Default: none.
   */
  recording?: RecordingStatsSource;
}

type Listeners = [string, (event: never) => void][];

// Which plugin measures which orchestrator, so a server can find the registry to serve.
const attached = new WeakMap<Orchestrator, MetricsPlugin>();

/** Exports orchflow's metrics to Prometheus; register it with `withMetrics()` or `withPlugin()`. */
export class MetricsPlugin implements OrchflowPlugin {
  /** The plugin attached to `orchestrator` (by `withMetrics`, `metrics` or `attach`), if any. */
  static of(orchestrator: Orchestrator): MetricsPlugin | undefined {
    return attached.get(orchestrator);
  }

  /** Plugin name and version. */
  readonly metadata = { name: 'metrics', version: '1' };
  /** The registry the metrics are registered in (scrape it with `registry.metrics()`). */
  readonly registry: Registry;
  private readonly defaultMetrics: boolean;
  private readonly recording: RecordingStatsSource | undefined;
  private orchestrator: Orchestrator | undefined;
  private listeners: Listeners = [];
  private registered: string[] = [];

  /** A plugin registering into `options.registry` or a new registry; throws InvalidParams for bad options. */
  constructor(options: MetricsOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new OrchflowError(ErrorCode.InvalidParams, 'Metrics options must be an object');
    }
    const { registry, defaultMetrics } = options;
    if (registry !== undefined && !isRegistry(registry)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        "metrics.registry must be a prom-client Registry (new Registry() from 'prom-client')",
      );
    }
    if (defaultMetrics !== undefined && typeof defaultMetrics !== 'boolean') {
      throw new OrchflowError(ErrorCode.InvalidParams, 'metrics.defaultMetrics must be a boolean');
    }
    if (options.recording !== undefined && typeof options.recording?.stats !== 'function') {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        'metrics.recording must be a RecordingPlugin (with stats())',
      );
    }
    this.recording = options.recording;
    this.registry = registry ?? new (promClient().Registry)();
    this.defaultMetrics = defaultMetrics ?? registry === undefined;
  }

  /** Attaches to the orchestrator it was registered with. */
  onInit(ctx: PluginContext): void {
    this.attach(ctx.orchestrator);
  }

  /**
   * Starts measuring `orchestrator` (one at a time). Throws InvalidState when already attached or
   * when the registry already holds orchflow's metric names (another plugin registered there).
   */
  attach(orchestrator: Orchestrator): this {
    if (this.orchestrator) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        'This MetricsPlugin is already attached to an orchestrator',
      );
    }
    const before = new Set(this.registry.getMetricsAsArray().map((m) => m.name));
    let instruments: Instruments;
    try {
      instruments = createInstruments(this.registry, {
        activeTerminals: () => activeTerminals(orchestrator),
        output: () => orchestrator.outputStats(),
      });
      if (this.recording) createRecordingInstruments(this.registry, this.recording);
      if (this.defaultMetrics) this.collectDefaults();
    } catch (error) {
      this.unregister(this.namesSince(before));
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `Cannot register orchflow's metrics: ${error instanceof Error ? error.message : String(error)}. Use a registry without them (one MetricsPlugin per registry)`,
      );
    }
    this.registered = this.namesSince(before);
    this.orchestrator = orchestrator;
    if (!attached.has(orchestrator)) attached.set(orchestrator, this);
    this.listeners = listenersFor(instruments);
    for (const [event, listener] of this.listeners) loose(orchestrator).on(event, listener);
    return this;
  }

  /** Stops measuring and removes the plugin's metrics from the registry (it can attach again). */
  detach(): void {
    const orchestrator = this.orchestrator;
    if (!orchestrator) return;
    for (const [event, listener] of this.listeners) loose(orchestrator).off(event, listener);
    this.listeners = [];
    this.unregister(this.registered);
    this.registered = [];
    if (attached.get(orchestrator) === this) attached.delete(orchestrator);
    this.orchestrator = undefined;
  }

  /** The scrape: the registry in Prometheus text format (see {@link MetricsPlugin.contentType}). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of {@link MetricsPlugin.metrics}, as prom-client states it. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private collectDefaults(): void {
    const { collectDefaultMetrics, Gauge } = promClient();
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    // prom-client's `nodejs_active_{handles,requests,resources}_total` are gauges: a `_total` gauge
    // breaks the naming convention (promtool rejects it); their per-type gauges stay.
    for (const metric of this.registry.getMetricsAsArray()) {
      if (metric instanceof Gauge && metric.name.endsWith('_total'))
        this.registry.removeSingleMetric(metric.name);
    }
  }

  /** Names in the registry that were not in `before` (what this plugin registered). */
  private namesSince(before: ReadonlySet<string>): string[] {
    return this.registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((name) => !before.has(name));
  }

  private unregister(names: readonly string[]): void {
    for (const name of names) this.registry.removeSingleMetric(name);
  }
}

/** Event listeners that feed the event-driven instruments. */
function listenersFor(m: Instruments): Listeners {
  const rules = new RuleLabels();
  const listeners: Record<string, (event: never) => void> = {
    'terminal.spawn': () => m.spawns.inc({ outcome: 'ok' }),
    'terminal.spawn.error': ({ error }: { error: Parameters<typeof spawnOutcome>[0] }) =>
      m.spawns.inc({ outcome: spawnOutcome(error) }),
    'terminal.exit': (exit: { exitCode: number | null; signal: string | null }) =>
      m.exits.inc({ outcome: exitOutcome(exit) }),
    'command.end': (end: CommandEndEvent) =>
      m.commandDuration.observe({ exit_class: exitClass(end) }, end.durationMs / 1000),
    'security.alert': (alert: SecurityAlertEvent) => {
      // Command denials carry their terminal; spawn denials count as spawns, audit failures are not denials.
      if (alert.terminalId === undefined || alert.rule === 'audit-log') return;
      m.commandsDenied.inc({ rule: rules.of(alert.rule) });
    },
    'connection.open': ({ transport }: ConnectionEvent) => {
      m.connectionsOpen.inc({ transport: transportLabel(transport) });
      m.connectionsOpened.inc({ transport: transportLabel(transport) });
    },
    'connection.close': ({ transport }: ConnectionEvent) =>
      m.connectionsOpen.dec({ transport: transportLabel(transport) }),
    'rpc.request': (request: RpcRequestEvent) =>
      m.rpcDuration.observe(
        { method: methodLabel(request.method), outcome: request.ok ? 'ok' : 'error' },
        request.durationMs / 1000,
      ),
    'audit.write': ({ durationMs, ok }: AuditWriteEvent) =>
      m.auditWriteDuration.observe({ outcome: ok ? 'ok' : 'error' }, durationMs / 1000),
  };
  return Object.entries(listeners);
}

/** Live terminals counted by backend and mode. */
function activeTerminals(orchestrator: Orchestrator): { backend: string; mode: string; count: number }[] {
  const counts = new Map<string, { backend: string; mode: string; count: number }>();
  for (const info of orchestrator.listTerminals()) {
    if (info.state === 'exited') continue;
    const key = `${info.backend}\u0000${info.mode}`;
    const entry = counts.get(key) ?? { backend: info.backend, mode: info.mode, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

/** The orchestrator's `on`/`off` for a table of listeners keyed by event name. */
function loose(orchestrator: Orchestrator): {
  on(event: string, listener: (event: never) => void): void;
  off(event: string, listener: (event: never) => void): void;
} {
  return orchestrator as never;
}

/** Duck-typed: `instanceof` fails when two copies of prom-client are installed. */
function isRegistry(value: unknown): value is Registry {
  const r = value as Partial<Registry> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.registerMetric === 'function' &&
    typeof r.metrics === 'function' &&
    typeof r.getMetricsAsArray === 'function'
  );
}
