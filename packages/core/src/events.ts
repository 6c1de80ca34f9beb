// The orchestrator's events: payload types, the typed event map behind `orch.on(...)`, and the
// tagged union that `subscribeEvents()` yields.
import type { ExitInfo, OrchflowErrorJson, SecurityAlertParams, TerminalInfo } from '@orchflow/protocol';
import type { ExecOptions } from '@orchflow/terminal';
import type { TerminalFloorEvent } from './floor';

/** A terminal was spawned. */
export interface TerminalSpawnEvent {
  terminal: TerminalInfo;
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

/** Options of {@link Orchestrator.execute}: the terminal's execute options, plus `onStart`. */
export interface OrchestratorExecOptions extends Omit<ExecOptions, 'onStart'> {
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

/** A plugin's observer hook (`onInit`, `onTerminalSpawn`, `onTerminalExit`) threw or timed out. */
export interface PluginErrorEvent {
  plugin: string;
  hook: string;
  message: string;
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
