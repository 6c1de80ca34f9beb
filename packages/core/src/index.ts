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
  type CommandEndEvent,
  type CommandStartEvent,
  type EventsDroppedEvent,
  ORCHESTRATOR_EVENT_NAMES,
  type OrchestratorEvent,
  type OrchestratorEventMap,
  type OrchestratorEventName,
  type OrchestratorExecOptions,
  type PluginErrorEvent,
  type SecurityAlertEvent,
  type TerminalExitEvent,
  type TerminalOutputEvent,
  type TerminalSpawnEvent,
} from './events';
export type { FloorChangeReason, FloorClaim, FloorWait, TerminalFloorEvent } from './floor';
export { TerminalHandle } from './handle';
export {
  DEFAULT_EVENT_QUEUE_SIZE,
  DEFAULT_EXITED_RETENTION_MS,
  DEFAULT_MAX_OPEN_TRANSACTIONS,
  DEFAULT_MAX_RETAINED_EXITED,
  DEFAULT_MAX_TERMINALS,
  DEFAULT_PLUGIN_TIMEOUT_MS,
  DEFAULT_TRANSACTION_TTL_MS,
  type OrchestratorOptions,
} from './options';
export { Orchestrator } from './orchestrator';
export { DEFAULT_STREAM_HIGH_WATER_MARK, type StreamOutputOptions } from './output-stream';
export type { CommandContext, OrchflowPlugin, PluginContext, PluginVerdict } from './plugins';
export type { TerminalFilter } from './registry';
export { type Authenticate, DEFAULT_SERVER_INFO } from './rpc/initialize-handler';
export { type ServeChannelOptions, type ServedChannel, serveChannel } from './rpc/serve-channel';
export type { ReleaseTerminals } from './rpc/shutdown-handler';
export { SPAWN_DANGEROUS_ENV } from './spawn-guard';
export { Transaction } from './transaction';
