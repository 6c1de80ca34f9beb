// @orchflow/core — the Orchestrator: terminals per agent, admitted commands, events, plugins.
// RPC plumbing (principal scoping, subscriptions, progress) stays inside the package.

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
