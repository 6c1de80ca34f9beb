// The live terminal surface a backend hands out. It is `Terminal`'s public API as an interface,
// so a backend may return a plain `Terminal` (DirectBackend), a Terminal running over a tmux pane,
// or one inside a container, and the orchestrator never needs to know which.
import type {
  CommandRecord,
  Disposer,
  ExecResult,
  ExecutionMode,
  ExitInfo,
  OutputChunk,
  ProcessMetrics,
  ReadResult,
  Snapshot,
  TerminalActivity,
  TerminalConfig,
  TerminalState,
} from '@orchflow/protocol';
import type {
  CommandEvent,
  ExecOptions,
  OutputStreamStats,
  StreamEvent,
  SubscribeOptions,
  Subscription,
  TerminalSpawnOptions,
} from '@orchflow/terminal';

/** A live session: one terminal a backend runs, with the same API as `Terminal`. */
export interface MuxSession {
  /** Session id; unique within its backend. */
  readonly id: string;
  /** Pid of the session's shell (0 when no process runs, e.g. an idle scripted terminal). */
  readonly pid: number;
  /** Execution mode the session was created with. */
  readonly mode: ExecutionMode;
  /** Absolute path of the shell. */
  readonly shell: string;
  /** Human-readable name, if given. */
  readonly name: string | undefined;
  /** The shell's working directory after the last command. */
  readonly cwd: string;
  /** Current columns. */
  readonly cols: number;
  /** Current rows. */
  readonly rows: number;
  /** `running`, `paused` or `exited`. */
  readonly state: TerminalState;
  /** How the session ended; undefined while it runs. */
  readonly exitInfo: ExitInfo | undefined;
  /** Resolves once the session has exited and its output is complete. */
  readonly exited: Promise<ExitInfo>;
  /** Runs a command after every earlier one on this session (see `Terminal.execute`). */
  execute(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Sends raw input. Throws TerminalExited once the session has ended. */
  write(data: string | Uint8Array): void;
  /** Changes the size; throws InvalidParams outside 1..1000. */
  resize(cols: number, rows: number): void;
  /** Kills the session's whole process tree; resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Calls `listener` with output chunks as they are flushed. */
  onData(listener: (chunk: OutputChunk) => void): Disposer;
  /** Calls `listener` once the session has exited and its output is complete. */
  onExit(listener: (info: ExitInfo) => void): Disposer;
  /** Reads retained output by absolute offset. */
  read(options?: { fromOffset?: number; maxBytes?: number }): ReadResult;
  /**
   * Output bytes, subscribers, gaps and flow-control pauses so far (see `Terminal.streamStats`);
   * optional so sessions of other implementations still fit (their terminals then count nothing).
   */
  streamStats?(): OutputStreamStats;
  /** Streams output from an offset, with optional flow control. */
  subscribe(options: SubscribeOptions, listener: (event: StreamEvent) => void): Subscription;
  /** The visible screen. */
  snapshot(): Promise<Snapshot>;
  /** What the session does now: idle, running, awaiting input or exited (see `Terminal.activity`). */
  activity(): TerminalActivity;
  /** Calls `listener` whenever the session's activity changes (see `Terminal.onActivity`). */
  onActivity(listener: (activity: TerminalActivity) => void): Disposer;
  /** The newest `limit` commands the session ran, oldest first (see `Terminal.history`). */
  history(limit?: number): CommandRecord[];
  /**
   * Calls `listener` when a command of its history starts and ends (see `Terminal.onCommand`);
   * optional so sessions of other implementations still fit (their commands then mark nothing).
   */
  onCommand?(listener: (event: CommandEvent) => void): Disposer;
  /** CPU, memory and process count of the session's process tree. */
  metrics(): Promise<ProcessMetrics>;
  /** False when output cannot be held back without loss (tmux panes): pause() then throws InvalidState. */
  readonly canPause: boolean;
  /** Stops reading output; programs block once their output buffers fill. */
  pause(): void;
  /** Resumes reading output after pause(). */
  resume(): void;
}

/** What {@link MuxBackend.createSession} needs. */
export interface CreateSessionOptions {
  /** Session id, chosen by the caller (the orchestrator uses its terminal id). */
  id: string;
  /** The agent that owns the session; persistent backends store it to re-adopt the session. */
  agentId: string;
  /** Terminal configuration; every field has a default. */
  config?: TerminalConfig;
  /** How errors name `config.cwd` and `config.shell`: see {@link TerminalSpawnOptions.asGiven}. */
  asGiven?: TerminalSpawnOptions['asGiven'];
  /** Starts the shell under a wrapper (isolation); a backend that cannot must reject with SpawnFailed. */
  launch?: TerminalSpawnOptions['launch'];
  /** Secrets to redact from the session's output at the source (required with `config.secretEnv`). */
  redaction?: TerminalSpawnOptions['redaction'];
}

/** A session as a backend lists it, without attaching to it. */
export interface MuxSessionInfo {
  /** Session id. */
  id: string;
  /** The agent that owns the session. */
  agentId: string;
  /** Pid of the session's shell. */
  pid: number;
  /** Name of the backend that runs it. */
  backend: string;
  /** Execution mode. */
  mode: ExecutionMode;
  /** `running` or `paused`; backends list live sessions only. */
  state: TerminalState;
  /** Current size. */
  cols: number;
  /** Current size. */
  rows: number;
  /** When the session was created. */
  createdAt: Date;
}

/** The listing entry of a live session, as every backend reports it. */
export function sessionInfo(
  backend: string,
  session: { terminal: MuxSession; agentId: string; createdAt: Date },
): MuxSessionInfo {
  const { terminal, agentId, createdAt } = session;
  return {
    id: terminal.id,
    agentId,
    pid: terminal.pid,
    backend,
    mode: terminal.mode,
    state: terminal.state,
    cols: terminal.cols,
    rows: terminal.rows,
    createdAt,
  };
}

/** What a backend can do, so callers can pick one and servers can advertise it. */
export interface BackendCapabilities {
  /** Sessions survive the orchestrator's process and can be re-adopted with `attach`. */
  persistentSessions: boolean;
  /** A person can attach to a session with an ordinary tool (e.g. `tmux attach`). */
  humanAttach: boolean;
  /**
   * Execution modes `createSession` accepts; `sandboxed` only with a launch wrapper of level
   * `sandbox` or `container` (an Orchestrator passes one, or fails when bubblewrap is missing).
   */
  executionModes: readonly ExecutionMode[];
}
