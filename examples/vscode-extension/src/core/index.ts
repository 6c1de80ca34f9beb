// The editor-independent core of the extension; nothing here imports 'vscode'.
export { AnsiStripper } from './ansi';
export { type ControllerOptions, OrchflowController, type Settings, SettingsSchema } from './controller';
export {
  describeEnd,
  errorStatus,
  formatDuration,
  outcomeStatus,
  type RunOutcome,
  runFooter,
  runHeader,
  runningStatus,
  type StatusView,
} from './format';
export type { EditorHost } from './host';
export { COMMANDS, type CommandHandler, type CommandId, CommandRouter } from './router';
export { AgentTerminalRunner, type AgentTerminalRunnerOptions } from './runner';
export { defaultServerCommand } from './server-command';
export {
  type SidecarState,
  type SidecarStatus,
  SidecarSupervisor,
  type SidecarSupervisorOptions,
} from './sidecar';
