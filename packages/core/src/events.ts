// The orchestrator's events: payload types, the typed event map behind `orch.on(...)`, and the
// tagged union that `subscribeEvents()` yields.
import type {
  CommandRecord,
  ExitInfo,
  OrchflowErrorJson,
  SecurityAlertParams,
  TerminalConfig,
  TerminalInfo,
} from '@orchflow/protocol';
import type { ExecOptions } from '@orchflow/terminal';
import type { TerminalFloorEvent } from './floor';

/** A terminal was spawned. */
export interface TerminalSpawnEvent {
  terminal: TerminalInfo;
  /** The spawn config's `recording` request, when it made one (recorders read it). */
  recording?: TerminalConfig['recording'];
}

/** A terminal was resized (`Orchestrator.resize`). */
export interface TerminalResizeEvent {
  terminalId: string;
  agentId: string;
  cols: number;
  rows: number;
}

/**
 * A command of a terminal's history started or ended — every `execute()` and every line typed at
 * its prompt (see `Orchestrator.history`).
 */
export interface TerminalCommandEvent {
  terminalId: string;
  agentId: string;
  type: 'start' | 'end';
  /** The history record as of this moment (exit code and duration once ended). */
  record: CommandRecord;
  /**
   * Output offset at this moment: the output before it came before the command's start (or was
   * the command's own, for its end), so a recorder can place its marker exactly.
   */
  outputOffset: number;
}

/** Raw input reached a terminal (`Orchestrator.write`), as typed (after any admission). */
export interface TerminalInputEvent {
  terminalId: string;
  agentId: string;
  data: string;
}

/** A terminal printed output (raw terminal text, escapes included). */
export interface TerminalOutputEvent {
  terminalId: string;
  agentId: string;
  data: string;
  /** Absolute byte offset of `data`'s first byte. */
  offset: number;
}

/** A terminal's process exited (on its own or killed). */
export interface TerminalExitEvent extends ExitInfo {
  terminalId: string;
  agentId: string;
}

/** An admitted command starts running. */
export interface CommandStartEvent {
  /** Correlates the start with its end. */
  commandId: string;
  terminalId: string;
  agentId: string;
  command: string;
}

/**
 * Options of {@link Orchestrator.execute}: the terminal's execute options, plus `onStart`; not
 * `env` (a traced command's TRACEPARENT is the orchestrator's to set, see docs/observability.md).
 */
export interface OrchestratorExecOptions extends Omit<ExecOptions, 'onStart' | 'env'> {
  /**
   * Called once when this very command passed admission and runs, able to read input (after
   * `command.start`: in a PTY once the shell took the line, in scripted mode once its process
   * exists); not called if it is refused or cancelled while queued. Queued commands with the same
   * text on one terminal each get their own call.
   */
  onStart?: ((event: CommandStartEvent) => void) | undefined;
  /**
   * While a person holds the terminal's floor, wait for the release instead of failing with
   * FloorHeld. `timeoutMs` (or the default/policy cap) bounds the wait and the run together: the
   * command runs with what the wait left; a wait that uses it all fails with Timeout. `signal`
   * ends the wait with Cancelled.
   */
  waitForFloor?: boolean | undefined;
}

/** A command finished: a result summary, or the error it failed with. */
export interface CommandEndEvent extends CommandStartEvent {
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  /** Set when the command failed without a result (terminal exited, cancelled, …). */
  error?: OrchflowErrorJson;
}

/** A security alert: a command was denied, or a plugin failed and the orchestrator failed closed. */
export type SecurityAlertEvent = SecurityAlertParams;

/**
 * The rule of the alert raised when the audit log cannot be written. Its reason is the audit log's
 * own error (the log's path, the OS error): connections that must not learn host details are told
 * something else (see rpc/alert-forwarder.ts).
 */
export const AUDIT_LOG_ALERT_RULE = 'audit-log';

/** A plugin's observer hook (`onInit`, `onTerminalSpawn`, `onTerminalExit`) threw or timed out. */
export interface PluginErrorEvent {
  plugin: string;
  hook: string;
  message: string;
}

/** A spawn failed (refused by policy or quota, bad config, or the backend failed). */
export interface TerminalSpawnErrorEvent {
  agentId: string;
  error: OrchflowErrorJson;
}

/** A connection started (`connection.open`) or finished (`connection.close`) being served. */
export interface ConnectionEvent {
  /** The transport serving it, as `serveChannel`'s `transports[0]` names it (`direct` by default). */
  transport: string;
}

/** A JSON-RPC request served by `serveChannel` was answered (emitted only while someone listens). */
export interface RpcRequestEvent {
  /** The protocol method, e.g. `terminal.execute`. */
  method: string;
  /** The transport serving the connection, as in {@link ConnectionEvent}. */
  transport: string;
  /** Time from the request's dispatch to its handler's end, in ms. */
  durationMs: number;
  /** False when the answer was an error. */
  ok: boolean;
  /** The JSON-RPC error code of an error answer. */
  errorCode?: number;
}

/** An audit log entry was appended (or failed to be). */
export interface AuditWriteEvent {
  /** Time the append took, until it was on disk. */
  durationMs: number;
  ok: boolean;
}

/** Event name → listener arguments, for `orch.on(name, listener)`. */
export interface OrchestratorEventMap {
  'terminal.spawn': [TerminalSpawnEvent];
  'terminal.output': [TerminalOutputEvent];
  'terminal.exit': [TerminalExitEvent];
  'command.start': [CommandStartEvent];
  'command.end': [CommandEndEvent];
  'security.alert': [SecurityAlertEvent];
  'plugin.error': [PluginErrorEvent];
  'terminal.floor': [TerminalFloorEvent];
  'terminal.spawn.error': [TerminalSpawnErrorEvent];
  'connection.open': [ConnectionEvent];
  'connection.close': [ConnectionEvent];
  'audit.write': [AuditWriteEvent];
  'rpc.request': [RpcRequestEvent];
  'terminal.resize': [TerminalResizeEvent];
  'terminal.command': [TerminalCommandEvent];
  'terminal.input': [TerminalInputEvent];
}

/** Name of an orchestrator event. */
export type OrchestratorEventName = keyof OrchestratorEventMap;

/** Every event name, in a stable order. */
export const ORCHESTRATOR_EVENT_NAMES: readonly OrchestratorEventName[] = [
  'terminal.spawn',
  'terminal.output',
  'terminal.exit',
  'command.start',
  'command.end',
  'security.alert',
  'plugin.error',
  'terminal.floor',
  'terminal.spawn.error',
  'connection.open',
  'connection.close',
  'audit.write',
  'rpc.request',
  'terminal.resize',
  'terminal.command',
  'terminal.input',
];

/** Marker in a `subscribeEvents()` stream: `count` older events were dropped because the consumer lagged. */
export interface EventsDroppedEvent {
  type: 'events.dropped';
  data: { count: number };
}

/** What `subscribeEvents()` yields: `{ type, data }` for each event, plus drop markers. */
export type OrchestratorEvent =
  | { [K in OrchestratorEventName]: { type: K; data: OrchestratorEventMap[K][0] } }[OrchestratorEventName]
  | EventsDroppedEvent;
