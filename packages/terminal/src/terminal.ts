// `Terminal`: one agent terminal. Composes the process side (a PTY shell with shell integration,
// or a pipe runner in scripted mode), the output pipeline (scrollback, streaming, snapshots), a
// FIFO command queue and the process-tree kill. The behaviour of each part lives in its module.
import {
  type CommandRecord,
  type Disposer,
  ErrorCode,
  type ExecResult,
  type ExecuteOptions,
  type ExecutionMode,
  type ExitInfo,
  OrchflowError,
  type OutputChunk,
  type ProcessMetrics,
  parseExecuteRequest,
  type ReadResult,
  type Snapshot,
  type TerminalActivity,
  type TerminalState,
} from '@orchflow/protocol';
import { ActivityTracker, pipeActivitySource, ptyActivitySource } from './activity/tracker';
import { checkExecEnv, type ExecOptions, execCancelled, terminalExited } from './exec/options';
import { type PipeRunner, startPipeHost } from './exec/pipe-runner';
import { SerialQueue } from './exec/queue';
import { ExitListeners } from './exit-listeners';
import type { FlowGate } from './flow-gate';
import { type CommandEvent, CommandHistory } from './history/command-history';
import type { OutputPipeline } from './output/pipeline';
import type { TerminalRedaction } from './output/redaction';
import type { OutputStreamStats, StreamEvent, SubscribeOptions, Subscription } from './output/subscribers';
import { ProcessMetricsSampler } from './process/metrics';
import { killProcessTree } from './process/tree';
import { NO_ENV, type PtyHost, resumePtyHost, startPtyHost } from './pty-host';
import type { ResolvedSpawnOptions, ShellKind } from './spawn-options';
import {
  checkResumeOptions,
  checkSpawnOptions,
  type TerminalResumeOptions,
  type TerminalSpawnOptions,
} from './terminal-options';

// Defined beside their checks; exported here, with the class that takes them.
export type { TerminalResumeOptions, TerminalSpawnOptions } from './terminal-options';

type Backend = { kind: 'pty'; host: PtyHost } | { kind: 'pipe'; runner: PipeRunner; gate: FlowGate };

/** A terminal running commands for an agent: a PTY with a persistent shell, or pipes. */
export class Terminal {
  /** Resolves once the terminal has exited and its output is complete. */
  readonly exited: Promise<ExitInfo>;
  private readonly queue = new SerialQueue();
  private readonly sampler: ProcessMetricsSampler | undefined;
  private readonly tracker: ActivityTracker;
  /** Secrets redacted from what the terminal shows (undefined: none). */
  private readonly redaction: TerminalRedaction | undefined;
  /** The PTY shell's own history, or (scripted mode) the executes recorded here. */
  private readonly commands: CommandHistory;
  private exit: ExitInfo | undefined;
  /** Listeners waiting for the exit (see onExit); made at the first. */
  private exitListeners: ExitListeners<ExitInfo> | undefined;
  private size: { cols: number; rows: number };

  /** Human-readable name, if given. */
  readonly name: string | undefined;
  /** Configured execution mode; only `scripted` uses pipes, every other mode a PTY. */
  readonly mode: ExecutionMode;
  /** Absolute path of the shell. */
  readonly shell: string;
  /** Which shell integration the shell runs (`sh` also for scripted mode's non-POSIX shells). */
  readonly shellKind: ShellKind;

  private constructor(
    /** Unique id. */
    readonly id: string,
    opts: ResolvedSpawnOptions,
    private readonly pipeline: OutputPipeline,
    private readonly backend: Backend,
    exited: Promise<ExitInfo>,
  ) {
    this.name = opts.name;
    this.mode = opts.mode;
    this.shell = opts.shellPath;
    this.shellKind = opts.kind;
    this.size = { cols: opts.cols, rows: opts.rows };
    this.tracker = new ActivityTracker(
      id,
      backend.kind === 'pty' ? ptyActivitySource(backend.host.session) : pipeActivitySource(backend.runner),
    );
    const { redaction } = opts;
    this.redaction = redaction;
    this.commands =
      backend.kind === 'pty'
        ? backend.host.session.history.commands
        : new CommandHistory(undefined, redaction && ((text) => redaction.redact(text)));
    this.exited = exited.then((info) => {
      this.exit = info;
      this.tracker.exited(info);
      return info;
    });
    if (backend.kind === 'pty') {
      const { containment } = backend.host;
      this.sampler = new ProcessMetricsSampler(backend.host.pty.pid, () => containment?.members() ?? []);
    }
  }

  /** Spawns a terminal; resolves once its shell is ready for commands. Rejects with SpawnFailed. */
  static async spawn(options: TerminalSpawnOptions = {}): Promise<Terminal> {
    const { id, spawnTimeoutMs, spawnPty, opts } = checkSpawnOptions(options);
    if (opts.mode !== 'scripted') {
      const host = await startPtyHost(opts, spawnTimeoutMs, spawnPty);
      return new Terminal(id, { ...opts, env: NO_ENV }, host.pipeline, { kind: 'pty', host }, host.exited);
    }
    const { runner, pipeline, gate } = startPipeHost(opts);
    return new Terminal(id, opts, pipeline, { kind: 'pipe', runner, gate }, runner.exited);
  }

  /**
   * A terminal for a shell that already runs (e.g. a tmux pane left by an earlier process). It is
   * ready once the shell shows a prompt; `execute()` waits for that. Throws InvalidParams.
   */
  static resume(options: TerminalResumeOptions): Terminal {
    const opts = checkResumeOptions(options);
    const host = resumePtyHost(opts, options.pty, options.shell);
    return new Terminal(options.id, opts, host.pipeline, { kind: 'pty', host }, host.exited);
  }

  /**
   * Pid of the shell (interactive), or in scripted mode of the running command's shell (0 while
   * none runs: no process is kept between commands).
   */
  get pid(): number {
    return this.backend.kind === 'pty' ? this.backend.host.pty.pid : (this.backend.runner.pid ?? 0);
  }

  /** Current columns. */
  get cols(): number {
    return this.size.cols;
  }

  /** Current rows. */
  get rows(): number {
    return this.size.rows;
  }

  /** `running`, `paused` (after pause()) or `exited`. */
  get state(): TerminalState {
    if (this.exit) return 'exited';
    return this.gate.userPaused ? 'paused' : 'running';
  }

  /** How the terminal ended; undefined while it runs. */
  get exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** The shell's working directory after the last command (scripted mode: the configured cwd). */
  get cwd(): string {
    return this.backend.kind === 'pty' ? this.backend.host.session.cwd : this.backend.runner.cwd;
  }

  /**
   * Runs a command after every earlier one on this terminal. Resolves with its ExecResult (also on
   * a timeout: `timedOut: true`, and `awaitingInput: true` when it was waiting for input); rejects
   * with TerminalExited, InvalidParams, or Cancelled when `signal` aborts (the command is
   * interrupted first; `error.data.result` has what it printed). Its `timeoutMs` counts from when
   * it leaves the queue; `signal` also ends the wait in the queue (see docs/terminal.md).
   */
  execute(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.exit) return Promise.reject(terminalExited(this.exit));
    const { signal, onOutput, onStart, env, ...limits } = options;
    let checked: ExecuteOptions;
    try {
      // The same checks and messages as `terminal.execute` on the wire.
      checked = parseExecuteRequest(command, limits);
      checkExecEnv(env);
    } catch (error) {
      return Promise.reject(error);
    }
    let started = false;
    const job = this.queue.run(() => {
      started = true;
      if (this.exit) throw terminalExited(this.exit);
      const run = { ...checked, signal, onOutput, onStart, env };
      const { backend } = this;
      this.tracker.commandStarted(command);
      const running =
        backend.kind === 'pty'
          ? backend.host.session.execute(command, run)
          : this.recordPipe(command, backend.runner.execute(command, run));
      const ended = (): void => this.tracker.commandEnded();
      running.then(ended, ended);
      return running;
    });
    if (!signal) return job;
    return new Promise<ExecResult>((resolve, reject) => {
      // Aborted while queued: settle now; the queued job sees the aborted signal and does nothing.
      const onAbort = (): void => {
        if (!started) reject(execCancelled(undefined));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * The newest `limit` commands this terminal ran (default 100, at most the last 200 are kept),
   * oldest first: every `execute()`, and in a PTY shell each line typed at its prompt through
   * `write()`, with exit code and duration once it ended. Throws InvalidParams for a `limit`
   * outside 1..1000.
   */
  history(limit?: number): CommandRecord[] {
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `History limit must be an integer 1..1000, got ${limit}`,
      );
    }
    return this.commands.list(limit);
  }

  /** Calls `listener` when a command of {@link Terminal.history} starts and when it ends. */
  onCommand(listener: (event: CommandEvent) => void): Disposer {
    return this.commands.onCommand(listener);
  }

  /** Sends input: keystrokes to the PTY, or the running command's stdin in scripted mode. */
  write(data: string | Uint8Array): void {
    if (this.exit) throw terminalExited(this.exit);
    this.tracker.inputWritten();
    if (this.backend.kind === 'pipe') this.backend.runner.write(data);
    else {
      this.backend.host.session.noteInput(data);
      this.backend.host.pty.write(data);
    }
  }

  /** Changes the terminal size (the shell and its programs get SIGWINCH). */
  resize(cols: number, rows: number): void {
    const valid = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 1000;
    if (!valid(cols) || !valid(rows)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Terminal size must be 1..1000 × 1..1000, got ${cols}×${rows}`,
      );
    }
    if (this.exit) throw terminalExited(this.exit);
    if (this.backend.kind === 'pty') this.backend.host.pty.resize(cols, rows);
    this.pipeline.resize(cols, rows);
    this.size = { cols, rows };
  }

  /**
   * Kills the whole process tree — `signal` first (default SIGHUP, which an interactive shell
   * obeys while it ignores SIGTERM), SIGKILL for survivors — and resolves once it has exited.
   */
  async kill(signal: NodeJS.Signals = 'SIGHUP'): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    if (this.backend.kind === 'pty') {
      this.backend.host.session.beginShutdown();
      await killProcessTree(this.backend.host.pty.pid, { signal });
    } else {
      await this.backend.runner.kill(signal);
    }
    return this.exited;
  }

  /** Calls `listener` with output chunks as they are flushed (batched, ≤ 16 ms). */
  onData(listener: (chunk: OutputChunk) => void): Disposer {
    return this.pipeline.onData(listener);
  }

  /** Calls `listener` once the terminal has exited and its output is complete. */
  onExit(listener: (info: ExitInfo) => void): Disposer {
    this.exitListeners ??= new ExitListeners(this.exited);
    return this.exitListeners.add(listener);
  }

  /**
   * What the terminal does now — `idle` at the prompt, `running` a command, `awaiting_input` (the
   * command is blocked reading the terminal, or its stdin pipe in scripted mode) or `exited` —
   * from the kernel and the shell integration, not from the screen (see docs/terminal.md).
   */
  activity(): TerminalActivity {
    return this.tracker.current();
  }

  /**
   * Calls `listener` whenever {@link Terminal.activity} changes (found by a poll every
   * `ACTIVITY_POLL_MS` while something runs), last with `exited`.
   */
  onActivity(listener: (activity: TerminalActivity) => void): Disposer {
    return this.tracker.onChange(listener);
  }

  /** False when this terminal's output cannot be held back without loss (see `PtyProcess.pausable`). */
  get canPause(): boolean {
    return this.backend.kind === 'pipe' || this.backend.host.pty.pausable !== false;
  }

  /**
   * Stops reading output; the programs block once the PTY/pipe buffers fill. Throws InvalidState
   * for a terminal that cannot be paused without losing output ({@link Terminal.canPause}).
   */
  pause(): void {
    if (!this.canPause) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `Terminal ${this.id} cannot be paused: its backend would discard the output held back (tmux does). Read or subscribe at your own pace instead: output beyond the scrollback arrives as a gap`,
      );
    }
    this.gate.setUser(true);
  }

  /** Resumes reading output after pause(). */
  resume(): void {
    this.gate.setUser(false);
  }

  /** Reads retained output by absolute offset. */
  read(options: { fromOffset?: number; maxBytes?: number } = {}): ReadResult {
    return this.pipeline.read(options);
  }

  /** Output bytes, subscribers, gaps and flow-control pauses so far (counters read on demand, for metrics). */
  streamStats(): OutputStreamStats {
    return this.pipeline.streamStats();
  }

  /** Streams output from an offset, with optional flow control. */
  subscribe(options: SubscribeOptions, listener: (event: StreamEvent) => void): Subscription {
    return this.pipeline.subscribe(options, listener);
  }

  /**
   * The visible screen. With secrets to redact, each line is redacted again as drawn: colour codes
   * or a bare `\r` that kept a secret's bytes apart in the output no longer do on the screen.
   */
  async snapshot(): Promise<Snapshot> {
    const snap = await this.pipeline.snapshot();
    const redaction = this.redaction;
    if (!redaction) return snap;
    return { ...snap, lines: snap.lines.map((line) => redaction.redact(line)) };
  }

  /** CPU, memory and process count of the terminal's processes (its tree, and its cgroup if it has one). */
  async metrics(): Promise<ProcessMetrics> {
    const containment =
      this.backend.kind === 'pty' ? this.backend.host.containment : this.backend.runner.containment;
    const kind = containment?.kind ?? 'process-tree';
    const pid = this.pid;
    if (this.exit || (pid === 0 && kind !== 'cgroup')) {
      return { cpuPercent: 0, rssBytes: 0, processCount: 0, containment: kind };
    }
    const sampler = this.sampler ?? new ProcessMetricsSampler(pid, () => containment?.members() ?? []);
    return { ...sampler.sample(), containment: kind };
  }

  /** Records a scripted-mode execute: it starts now (it is dequeued) and ends when it settles. */
  private recordPipe(command: string, running: Promise<ExecResult>): Promise<ExecResult> {
    const record = this.commands.start(command, 'execute', this.cwd);
    running.then(
      (result) => record.end(result.exitCode),
      () => record.end(null),
    );
    return running;
  }

  private get gate(): FlowGate {
    return this.backend.kind === 'pty' ? this.backend.host.gate : this.backend.gate;
  }
}
