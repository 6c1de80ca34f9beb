// @orchflow/terminal — real PTY terminals with persistent-shell execution and lossless,
// bounded output streaming. The per-channel output feed the orchestrator's RPC layer uses lives in
// ./internal, outside the public API.

export { ACTIVITY_POLL_MS } from './activity/tracker';
export { withoutInheritedFds } from './containment/containment';
export { CONTAINMENT_ENV, type ContainmentKind } from './containment/host';
export { type HostContainment, hostContainment, initContainment } from './containment/init';
export { type ReapReport, reapLeftovers } from './containment/reaper';
export { AGENT_ENV_DEFAULTS, buildTerminalEnv } from './env';
export { DEFAULT_MAX_OUTPUT_BYTES } from './exec/capture';
export { cleanTerminalOutput, stripAnsi } from './exec/clean';
export { INTERRUPT_GRACE_MS } from './exec/interrupt';
export { type ExecOptions, MAX_EXEC_ENV_CHARS, MAX_EXEC_ENV_ENTRIES } from './exec/options';
export { type CommandEvent, CommandHistory, type RunningCommand } from './history/command-history';
export {
  DEFAULT_BATCH_INTERVAL_MS,
  DEFAULT_BATCH_MAX_BYTES,
  OutputBatcher,
  type OutputBatcherOptions,
} from './output/batcher';
export { DEFAULT_MAX_STALL_MS } from './output/channel-feed';
export { DEFAULT_SCROLLBACK_BYTES, OutputPipeline, type OutputPipelineOptions } from './output/pipeline';
export {
  type OutputRedactionStream,
  REDACTION_HOLD_MS,
  type TerminalRedaction,
} from './output/redaction';
export { OutputRing, type RawPage, type RingReadOptions } from './output/ring';
export { HeadlessScreen } from './output/screen';
export {
  type DataEvent,
  DEFAULT_HIGH_WATER_MARK,
  type EndNotice,
  type GapNotice,
  type OutputStreamStats,
  type StreamEvent,
  type SubscribeOptions,
  type Subscription,
} from './output/subscribers';
export { ProcessMetricsSampler } from './process/metrics';
export {
  foregroundProcessGroup,
  type KillTreeOptions,
  killProcessTree,
  listProcessTree,
  type ProcInfo,
} from './process/tree';
export { type PtyDrainStats, ptyDrainStats } from './pty-drain';
export type { ShellResume } from './pty-host';
export type { PtyFactory, PtyProcess, PtySpawnRequest } from './pty-process';
export {
  DEFAULT_SPAWN_TIMEOUT_MS,
  type GivenConfig,
  type LaunchCommand,
  type LaunchTarget,
  type LaunchWrapper,
  type ShellKind,
} from './spawn-options';
export { Terminal, type TerminalResumeOptions, type TerminalSpawnOptions } from './terminal';
