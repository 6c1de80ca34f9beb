// @orchflow/core — the Orchestrator: terminals per agent, admitted commands, events, plugins.
// RPC plumbing (principal scoping, subscriptions, progress) stays inside the package.
// What a core user needs from the packages below it (errors, result types, presets, backends) is
// re-exported at the end, so `npm install @orchflow/core` alone is enough under a strict
// node_modules (pnpm). Those packages' entries are loaded by core anyway: the re-exports load no
// module more (OpenTelemetry and prom-client stay lazy: tracing/otel.ts, metrics/prom-client.ts).

// Re-exported from the packages core is built on (see the top of this file).
export {
  /** A terminal backend that runs plain PTYs in this process (the default). */
  DirectBackend,
  /** Options of `new DirectBackend(options)`. */
  type DirectBackendOptions,
  /** The backend contract: where an orchestrator's terminals run (`withBackend`). */
  type MuxBackend,
  /** A terminal backend on a tmux server of its own: sessions outlive the orchestrator, people can attach. */
  TmuxBackend,
  /** Options of `new TmuxBackend(options)`. */
  type TmuxBackendOptions,
} from '@orchflow/mux';
export {
  /** The `data` of the `Cancelled` an aborted batch or commit rejects with: `{ results }`, one per command. */
  type BatchAbortedData,
  /** The outcome of one command of a batch or transaction: `{ ok: true, result }` or `{ ok: false, error }`. */
  type BatchItemResult,
  /** The filter of `pauseAll` / `resumeAll` / `killAll` in object form: `{ agentId? }`. */
  type BulkControlParams,
  /** A command of a terminal's history (`history()`). */
  type CommandRecord,
  /** An in-process JSON-RPC channel pair (`DirectChannel.pair()`), e.g. for `withChannel`. */
  DirectChannel,
  /** What `onActivity` and friends return: call `dispose()` to stop listening. */
  type Disposer,
  /** The JSON-RPC and orchflow error codes (`ErrorCode.PolicyDenied`, `ErrorCode.InvalidParams`, …). */
  ErrorCode,
  /** The outcome of one command: stdout, stderr, exitCode, signal, durationMs, timedOut, truncated, cwd, … */
  type ExecResult,
  /** One command to run in a batch or transaction: `{ terminalId, command, timeoutMs?, … }`. */
  type ExecuteCommand,
  /** How a terminal runs commands: `interactive`, `scripted` or `sandboxed`. */
  type ExecutionMode,
  /** How a terminal ended: exit code and signal. */
  type ExitInfo,
  /** The name of an error code (`errorCodeName(-32602) === 'InvalidParams'`). */
  errorCodeName,
  /** Who holds a terminal's floor (`takeFloor`, `floor`). */
  type FloorState,
  /** The data of a FloorHeld error (who holds the terminal), or undefined for any other value. */
  floorHeld,
  /** The transport contract a custom channel implements (`withChannel`, `connect`). */
  type IpcChannel,
  /** True when the value is a FloorHeld error. */
  isFloorHeld,
  /** True for an `OrchflowError` (also one from another copy of the package). */
  isOrchflowError,
  /** True when the value is a PolicyDenied error. */
  isPolicyDenied,
  /** Orchestrator metrics (`metrics()`). */
  type MetricsResult,
  /** The error every orchflow call rejects with: `code`, `codeName`, `message`, `data`. */
  OrchflowError,
  /** An `OrchflowError` as JSON (a batch item's `error`). */
  type OrchflowErrorJson,
  /** A chunk of a terminal's output with its absolute offset (`onOutput`). */
  type OutputChunk,
  /** The data of a PolicyDenied error (`{ rule, reason, command, … }`). */
  type PolicyDeniedData,
  /** Who makes a call (`connect(principal)`, `CallContext.principal`). */
  type Principal,
  /** The data of a PolicyDenied error, or undefined for any other value. */
  policyDenial,
  /** What `read()` returns: retained output by offset. */
  type ReadResult,
  /** The visible screen of a terminal (`snapshot()`). */
  type Snapshot,
  /** What a terminal does now: idle, running, awaiting input, exited (`activity()`). */
  type TerminalActivity,
  /** Options of `spawnTerminal(agentId, config)`: shell, cwd, env, cols, rows, mode, … */
  type TerminalConfig,
  /** What `info()` and `listTerminals()` say about a terminal. */
  type TerminalInfo,
  /** Lifecycle state of a terminal: `starting`, `running`, `paused` or `exited`. */
  type TerminalState,
  /** What a committed transaction returns. */
  type TxCommitResult,
  /** What a rolled-back transaction returns. */
  type TxRollbackResult,
} from '@orchflow/protocol';
export {
  /** The hash-chained append-only audit log: `withAuditLog(await AuditLog.open(path))`, or pass the path. */
  AuditLog,
  /** The policy's verdict on a command (`PluginContext`/`CommandContext.decision`). */
  type PolicyDecision,
  /** Checks the policy object `input` and applies defaults; throws InvalidParams naming bad fields. */
  parseSecurityPolicy,
  /** A validated security policy with defaults applied. */
  type SecurityPolicy,
  /** A security policy as you write it (`withSecurityPolicy(policy)`). */
  type SecurityPolicyInput,
  /** The ready-made policies: `trusted`, `standard`, `locked` (alias `aiSafe`). */
  SecurityPresets,
  /** Verifies an audit log's hash chain. */
  verifyAuditLog,
} from '@orchflow/security';
export type {
  /** What `streamOutput()` and `handle.stream()` yield: data, gap and end events. */
  StreamEvent,
} from '@orchflow/terminal';
export type { BatchExecuteOptions, BatchOptions } from './batch';
export { OrchestratorBuilder } from './builder';
export type { CallContext } from './commands';
export { connect } from './connect';
export { CONNECTION_RULE_PREFIX, ConnectionPolicy } from './connection-policy';
export type { QuotaName } from './errors';
export type { EventListener } from './event-bus';
export { EventStream, type SubscribeEventsOptions } from './event-stream';
export {
  type AuditWriteEvent,
  type CommandEndEvent,
  type CommandStartEvent,
  type ConnectionEvent,
  type EventsDroppedEvent,
  ORCHESTRATOR_EVENT_NAMES,
  type OrchestratorEvent,
  type OrchestratorEventMap,
  type OrchestratorEventName,
  type OrchestratorExecOptions,
  type PluginErrorEvent,
  type RpcRequestEvent,
  type SecurityAlertEvent,
  type TerminalCommandEvent,
  type TerminalExitEvent,
  type TerminalInputEvent,
  type TerminalOutputEvent,
  type TerminalResizeEvent,
  type TerminalSpawnErrorEvent,
  type TerminalSpawnEvent,
} from './events';
export type { FloorChangeReason, FloorClaim, FloorWait, TerminalFloorEvent } from './floor';
export { TerminalHandle } from './handle';
export {
  AUDIT_WRITE_BUCKETS,
  COMMAND_DURATION_BUCKETS,
  METRIC_PREFIX,
  type RecordingStatsSource,
  RPC_DURATION_BUCKETS,
} from './metrics/instruments';
export type { MetricsSetting } from './metrics/option';
export { type MetricsOptions, MetricsPlugin } from './metrics/plugin';
export {
  DEFAULT_EVENT_QUEUE_SIZE,
  DEFAULT_EXITED_RETENTION_MS,
  DEFAULT_MAX_OPEN_TRANSACTIONS,
  DEFAULT_MAX_RETAINED_EXITED,
  DEFAULT_MAX_TERMINALS,
  DEFAULT_PLUGIN_TIMEOUT_MS,
  DEFAULT_TRANSACTION_TTL_MS,
  type OrchestratorOptions,
  type SecurityPresetName,
  TERMINAL_ID_PREFIX_PATTERN,
} from './options';
export { Orchestrator } from './orchestrator';
export { DEFAULT_STREAM_HIGH_WATER_MARK, type StreamOutputOptions } from './output-stream';
export type { CommandContext, OrchflowPlugin, PluginContext, PluginVerdict } from './plugins';
export { type CastFormat, TRUNCATED_LABEL as RECORDING_TRUNCATED_LABEL } from './recording/asciicast';
export {
  MIN_RECORDING_BYTES,
  MIN_RETENTION_MS,
  type RecordingError,
  type RecordingOptions,
} from './recording/options';
export { agentDirName, RecordingPlugin, type RecordingStats } from './recording/plugin';
export {
  type AsciicastVersion,
  DEFAULT_MAX_LINE_BYTES,
  type OpenRecordingOptions,
  openRecording,
  type RecordingEvent,
  type RecordingHeader,
  type RecordingStream,
  type TruncatedLine,
} from './recording/reader';
export {
  listRecordedCommands,
  openRecordedCommand,
  parseEndMarker,
  parseStartMarker,
  type RecordedCommandEvents,
  type RecordedCommandList,
  type RecordingSummary,
  readRecording,
} from './recording/reader-commands';
export {
  indexPathOf,
  type RecordedCommand,
  type RecordingIndex,
  readRecordingIndex,
} from './recording/reader-index';
export type { TerminalFilter } from './registry';
export { type Authenticate, DEFAULT_SERVER_INFO, serverCapabilities } from './rpc/initialize-handler';
export { type ServeChannelOptions, type ServedChannel, serveChannel } from './rpc/serve-channel';
export type { ReleaseTerminals } from './rpc/shutdown-handler';
export { SPAWN_DANGEROUS_ENV } from './spawn-guard';
export { Transaction } from './transaction';
