// The fluent way to configure an Orchestrator; every `with…` sets one option of
// `OrchestratorOptions` and `build()` constructs it.

import type { MuxBackend } from '@orchflow/mux';
import type { ExecutionMode, IpcChannel } from '@orchflow/protocol';
import type { AuditLog, SecurityPolicyInput } from '@orchflow/security';
import { checkKeys } from './known-keys';
import type { MetricsOptions, MetricsPlugin } from './metrics/plugin';
import { ORCHESTRATOR_OPTION_KEYS, type OrchestratorOptions, type SecurityPresetName } from './options';
import { Orchestrator } from './orchestrator';
import type { OrchflowPlugin } from './plugins';
import type { RecordingOptions } from './recording/options';

// `plugins` and `channels` are the builder's lists: withOptions would replace them.
const BUILDER_OPTION_KEYS: ReadonlySet<string> = new Set(
  [...ORCHESTRATOR_OPTION_KEYS].filter((key) => key !== 'plugins' && key !== 'channels'),
);

/** Builds an {@link Orchestrator}: `Orchestrator.builder().withMaxTerminals(10).build()`. */
export class OrchestratorBuilder {
  private readonly options: OrchestratorOptions & { plugins: OrchflowPlugin[]; channels: IpcChannel[] } = {
    plugins: [],
    channels: [],
  };

  /** Serves the JSON-RPC API on `channel` as an admin principal once built; may be called again. */
  withChannel(channel: IpcChannel): this {
    this.options.channels.push(channel);
    return this;
  }

  /** Live terminals in total (default 64). */
  withMaxTerminals(n: number): this {
    this.options.maxTerminals = n;
    return this;
  }

  /** Live terminals per agent (default: only the total limit). */
  withMaxTerminalsPerAgent(n: number): this {
    this.options.maxTerminalsPerAgent = n;
    return this;
  }

  /** Mode of terminals whose config names none (default `interactive`). */
  withExecutionMode(mode: ExecutionMode): this {
    this.options.executionMode = mode;
    return this;
  }

  /**
   * Enforces `policy`: your own, a preset object (`SecurityPresets.standard`) or a preset's name
   * (`'standard'`, `'trusted'`, `'locked'`, `'aiSafe'`); `build()` throws InvalidParams naming any
   * bad field or an unknown preset name.
   */
  withSecurityPolicy(policy: SecurityPolicyInput | SecurityPresetName): this {
    this.options.securityPolicy = policy;
    return this;
  }

  /** Records every decision and command end in the hash-chained JSONL log at `log` (a path or an open AuditLog). */
  withAuditLog(log: string | AuditLog): this {
    this.options.auditLog = log;
    return this;
  }

  /** Runs terminals on `backend` (default a new `DirectBackend`). */
  withBackend(backend: MuxBackend): this {
    this.options.backend = backend;
    return this;
  }

  /** Adds a plugin; plugins run in the order they were added. */
  withPlugin(plugin: OrchflowPlugin): this {
    this.options.plugins.push(plugin);
    return this;
  }

  /**
   * Exports Prometheus metrics (see docs/observability.md): into `options.registry` (your own) or
   * a new one (`MetricsPlugin.of(orch).registry`); or pass a `MetricsPlugin` you made.
   */
  withMetrics(options: MetricsOptions | MetricsPlugin = {}): this {
    this.options.metrics = options;
    return this;
  }

  /** Records terminals as asciicast files (see `RecordingPlugin`); validated when built (InvalidParams). */
  withRecording(options: RecordingOptions): this {
    this.options.recording = options;
    return this;
  }

  /** `timeoutMs` of commands that set none (default: no timeout). */
  withDefaultTimeoutMs(ms: number): this {
    this.options.defaultTimeoutMs = ms;
    return this;
  }

  /**
   * Starts every generated terminal id with `prefix` (`'<nodeId>_'` on a cluster node; see
   * `OrchestratorOptions.terminalIdPrefix`); `build()` throws InvalidParams for a bad prefix.
   */
  withTerminalIdPrefix(prefix: string): this {
    this.options.terminalIdPrefix = prefix;
    return this;
  }

  /**
   * Any other options (retention, plugin timeout, event queue size, transaction limits). Throws
   * InvalidParams at once for a key `OrchestratorOptions` does not have (naming the key it
   * probably meant), and for `plugins` / `channels` (use `withPlugin` / `withChannel`).
   */
  withOptions(options: Omit<OrchestratorOptions, 'plugins' | 'channels'>): this {
    checkKeys('builder options (withOptions)', options, BUILDER_OPTION_KEYS);
    Object.assign(this.options, options);
    return this;
  }

  /** Creates the orchestrator (plugins' `onInit` starts; channels start being served). */
  build(): Orchestrator {
    return new Orchestrator({
      ...this.options,
      plugins: [...this.options.plugins],
      channels: [...this.options.channels],
    });
  }
}
