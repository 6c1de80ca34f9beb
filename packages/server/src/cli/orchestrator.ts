// Building the orchestrator `orchflow serve` serves: backend, security policy, limits.
import { MetricsPlugin, Orchestrator, type RecordingOptions, RecordingPlugin } from '@orchflow/core';
import { DirectBackend, type MuxBackend, TmuxBackend } from '@orchflow/mux';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { AuditLog, SecurityPolicy } from '@orchflow/security';

/** The orchestrator settings `serve` takes from flags. */
export interface OrchestratorFlags {
  backend: string;
  /** tmux socket name (`-L`) for `--backend tmux`. */
  tmuxSocket?: string;
  /** The policy every client is held to (see `effectivePolicy`). */
  policy: SecurityPolicy;
  maxTerminals?: number;
  /** The audit log `--audit-log` opened: every decision, command end and floor keystroke. */
  auditLog?: AuditLog;
  /** `--record DIR`: every terminal is recorded there. */
  record?: string;
  /** `--record-format`: `v2` (default) or `v3`. */
  recordFormat?: string;
  /** `--record-input`: keystrokes are recorded too. */
  recordInput?: boolean;
  /** `--record-max-bytes`, `--record-dir-max-bytes`, `--record-rotate`, `--record-retention`, parsed. */
  recordLimits?: Pick<
    RecordingOptions,
    'maxBytesPerRecording' | 'maxBytesPerDirectory' | 'rotate' | 'retentionMs'
  >;
  /** `--metrics`: Prometheus metrics, including the recorder's counters when recording. */
  metrics?: boolean;
  /** `orchflow node`: terminal ids start with `<nodeId>_`, so they route to the node in a cluster. */
  terminalIdPrefix?: string;
}

/**
 * The backend `--backend` names. tmux re-adopts the terminals an earlier `serve` left on its
 * socket, so restarting the server keeps every agent's shell.
 */
export function backendFor(flags: Pick<OrchestratorFlags, 'backend' | 'tmuxSocket'>): MuxBackend {
  if (flags.backend === 'direct') return new DirectBackend();
  if (flags.backend === 'tmux') return new TmuxBackend({ socketName: flags.tmuxSocket, adopt: true });
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Unknown backend '${flags.backend}'; use --backend direct or --backend tmux`,
  );
}

/** Builds the orchestrator described by `flags`; with tmux, resolves once earlier terminals are adopted. */
export async function buildOrchestrator(flags: OrchestratorFlags): Promise<Orchestrator> {
  const builder = Orchestrator.builder().withBackend(backendFor(flags));
  builder.withSecurityPolicy(flags.policy);
  if (flags.maxTerminals !== undefined) builder.withMaxTerminals(flags.maxTerminals);
  if (flags.terminalIdPrefix !== undefined) builder.withTerminalIdPrefix(flags.terminalIdPrefix);
  if (flags.auditLog) builder.withAuditLog(flags.auditLog);
  let recording: RecordingPlugin | undefined;
  if (flags.record !== undefined) {
    const format = flags.recordFormat as 'v2' | 'v3' | undefined;
    recording = new RecordingPlugin({
      dir: flags.record,
      all: true,
      format,
      input: flags.recordInput === true,
      ...flags.recordLimits,
    });
    builder.withPlugin(recording);
  }
  // The HTTP listener's /metrics serves this plugin's registry (MetricsPlugin.of).
  if (flags.metrics) builder.withMetrics(new MetricsPlugin({ recording }));
  const orchestrator = builder.build();
  await orchestrator.ready();
  return orchestrator;
}

/**
 * Opens `--audit-log FILE` (creating it, continuing its hash chain), or nothing without the flag.
 * One open log is shared by the orchestrator and MCP, so their entries form one chain.
 */
export async function openAuditLog(path: string | undefined): Promise<AuditLog | undefined> {
  if (path === undefined) return undefined;
  const { AuditLog } = await import('@orchflow/security');
  return AuditLog.open(path);
}
