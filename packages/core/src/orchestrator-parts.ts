// The parts an Orchestrator is made of — registry, event bus, plugins, security gate, floors,
// command runner, raw input, transactions, terminal lifecycle — built and wired to one another,
// then started. The order of those steps lives here; the Orchestrator class holds the parts,
// guards its public surface and stops them (shutdown).
import { DirectBackend, type MuxBackend } from '@orchflow/mux';
import type { ExecutionMode } from '@orchflow/protocol';
import type { SecurityPolicy } from '@orchflow/security';
import { initContainment } from '@orchflow/terminal';
import { CommandRunner } from './commands';
import { EventBus } from './event-bus';
import { FloorControl } from './floor';
import { TerminalLifecycle } from './lifecycle';
import { metricsPlugins } from './metrics/option';
import { type OrchestratorOptions, resolveOptions } from './options';
import type { Orchestrator } from './orchestrator';
import { PluginHost } from './plugins';
import { RawInputJudge } from './raw-input';
import { inputForwarder } from './recording/input-events';
import { recordingPlugins } from './recording/shortcut';
import { TerminalRegistry } from './registry';
import { SecurityGate } from './security';
import { TerminalInput } from './terminal-input';
import { TransactionManager } from './transactions';

/** An orchestrator's parts, wired to one another. */
export interface OrchestratorParts {
  backend: MuxBackend;
  executionMode: ExecutionMode;
  securityPolicy: SecurityPolicy | undefined;
  registry: TerminalRegistry;
  events: EventBus;
  plugins: PluginHost;
  security: SecurityGate;
  floors: FloorControl;
  commands: CommandRunner;
  input: TerminalInput;
  transactions: TransactionManager;
  lifecycle: TerminalLifecycle;
}

/** What the parts ask of the orchestrator holding them, each time they need it. */
export interface PartsHost {
  /** Resolves once the orchestrator has started (see {@link startParts}). */
  ready(): Promise<void>;
  /** True once the orchestrator's shutdown began. */
  stopping(): boolean;
}

/** Builds the parts of an orchestrator with `options`; nothing starts yet. */
export function buildParts(options: OrchestratorOptions, host: PartsHost): OrchestratorParts {
  const resolved = resolveOptions(options);
  const backend = options.backend ?? new DirectBackend();
  const { executionMode, securityPolicy } = resolved;
  const events = new EventBus(resolved.eventQueueSize);
  // Two clock reads per append; the event goes out only while someone (metrics) listens.
  const security = new SecurityGate(securityPolicy, options.auditLog, (durationMs, ok) => {
    if (events.wants('audit.write')) events.emit('audit.write', { durationMs, ok });
  });
  const registry = new TerminalRegistry(resolved);
  const allPlugins = [
    ...(options.plugins ?? []),
    ...metricsPlugins(options.metrics),
    ...recordingPlugins(options.recording),
  ];
  const plugins = new PluginHost(allPlugins, resolved.pluginTimeoutMs, (plugin, hook, error) =>
    events.emit('plugin.error', {
      plugin,
      hook,
      message: error instanceof Error ? error.message : String(error),
    }),
  );
  const floors = new FloorControl((change) => events.emit('terminal.floor', change));
  // A terminal that exits (killed, or its shell ended) takes its floor with it.
  events.on('terminal.exit', ({ terminalId }) => floors.drop(terminalId));
  const commands = new CommandRunner({
    registry,
    plugins,
    events,
    security,
    defaultTimeoutMs: resolved.defaultTimeoutMs,
    floor: floors,
  });
  const rawInput = new RawInputJudge({
    admit: async (terminalId, line, admitOptions) => {
      await host.ready();
      return commands.admit(terminalId, line, admitOptions);
    },
    onInput: inputForwarder(events),
  });
  const transactions = new TransactionManager(commands, {
    maxOpen: resolved.maxOpenTransactions,
    ttlMs: resolved.transactionTtlMs,
  });
  const lifecycle = new TerminalLifecycle({
    backend,
    registry,
    events,
    plugins,
    security,
    executionMode,
    terminalIdPrefix: resolved.terminalIdPrefix,
    stopping: () => host.stopping(),
  });
  const input = new TerminalInput({ registry, floors, security, rawInput });
  return {
    backend,
    executionMode,
    securityPolicy,
    registry,
    events,
    plugins,
    security,
    floors,
    commands,
    input,
    transactions,
    lifecycle,
  };
}

/**
 * Starts the parts of `orchestrator` (which plugins' `onInit` is handed): the security gate, every
 * plugin's `onInit`, and the reaping of what a dead orchflow process left; then registers the
 * sessions the backend already runs. The promise is what `ready()` returns; its failure is no
 * unhandled rejection.
 */
export function startParts(orchestrator: Orchestrator, parts: OrchestratorParts): Promise<void> {
  // A persistent backend (TmuxBackend with `adopt`) lists sessions an earlier process left;
  // they are registered before any command runs. What an orchflow process that died left
  // (cgroups, shell-integration dirs) is reaped and logged first, once per process.
  const containment = Promise.resolve().then(initContainment);
  const initialized = Promise.all([parts.security.init(), parts.plugins.init({ orchestrator }), containment])
    .then(() => parts.lifecycle.adoptExisting())
    .then(() => undefined);
  // Callers see an adoption failure through ready() and every command; it must not crash the process.
  initialized.catch(() => undefined);
  return initialized;
}
