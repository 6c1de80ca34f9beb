// Scripted (pipe) mode: no PTY and no persistent shell. Each execute runs `<shell> -c <command>`
// with the terminal's cwd and env, as the leader of its own session, with separate stdout and
// stderr pipes and a real exit code or signal. Its output also goes into the terminal's pipeline
// so streaming and read() work as in interactive mode. Its stdin is a pipe that write() feeds; a
// command stopped while it waited on it says so (`awaitingInput`).
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants } from 'node:os';
import { ErrorCode, type ExecResult, type ExitInfo, OrchflowError } from '@orchflow/protocol';
import { readingOwnStdin } from '../activity/probe';
import { Containment } from '../containment/containment';
import type { LaunchArgv } from '../containment/launcher';
import { FlowGate } from '../flow-gate';
import { errnoCode, resourceShortage } from '../host-failure';
import { OutputPipeline } from '../output/pipeline';
import { RedactingSink, type TerminalRedaction } from '../output/redaction';
import { killProcessTree } from '../process/tree';
import type { LaunchCommand, LaunchWrapper, ResolvedSpawnOptions, ShellKind } from '../spawn-options';
import { OutputCapture } from './capture';
import { INTERRUPT_GRACE_MS } from './interrupt';
import { type ExecOptions, execCancelled } from './options';
import { Watchdog } from './watchdog';

/** Where and how commands run in scripted mode. */
export interface PipeRunnerOptions {
  shellPath: string;
  /** How errors name the shell: as the terminal's caller gave it. Default `shellPath`. */
  shellName?: string;
  /** Which shell `shellPath` is: it decides the flags that keep the user's startup files out. */
  shellKind: ShellKind;
  cwd: string;
  /**
   * The cwd as the terminal's caller gave it, how errors name it (`cwd` is resolved, against the
   * server's own directory for a relative one); undefined: errors do not name it.
   */
  givenCwd?: string;
  env: Record<string, string>;
  pipeline: OutputPipeline;
  /** Wraps every `shell -c` (isolation); each command gets its own wrapper. */
  launch?: LaunchWrapper;
  /** The terminal's containment: every command starts through its launcher, into its cgroup. */
  containment: Containment;
  /** Secrets redacted from stdout and stderr (each its own stream) before pipeline and capture. */
  redaction?: TerminalRedaction;
  /** How long a held possible start of a secret waits for more bytes (default: one batch). */
  redactionHoldMs?: number;
}

/**
 * `shell -c command` without the user's startup files, as PTY shells start (see
 * shell-integration/): bash reads ~/.bashrc even for `-c` when its stdin is a socket (Node gives
 * children socketpairs) and SHLVL is unset — an rc that blocks (pyenv's rehash lock waits up to
 * 60 s) would hold every command — and zsh reads ~/.zshenv always.
 */
export function shellCommandArgs(kind: ShellKind, command: string): string[] {
  if (kind === 'bash') return ['--norc', '-c', command];
  if (kind === 'zsh') return ['-f', '-c', command];
  return ['-c', command];
}

/**
 * Why a command's `shell -c` could not be started, for the caller: what failed and what to do,
 * by the OS error's code. Never Node's own words (`spawn <file> ENOENT`): the file spawned is
 * orchflow's launcher or an isolation wrapper, whose path is the server's (the launcher's is in
 * its install directory), and a SpawnFailed reaches remote clients unchanged (see
 * host-failure.ts). `through`: the shell is started through such a program, not directly.
 */
function shellRunFailure(error: unknown, cwd: string, through: boolean): string {
  const code = errnoCode(error);
  const shortage = resourceShortage(code);
  if (shortage) return shortage;
  const program = through ? 'the shell (or a program orchflow starts it through)' : 'the shell';
  switch (code) {
    // A missing cwd fails the spawn as the missing program would: the directory says which.
    case 'ENOENT':
    case 'ENOTDIR':
      return cwdProblem(cwd) === 'missing'
        ? `the terminal's working directory no longer exists (${code}); recreate it, or spawn a new terminal with another cwd`
        : `${program} no longer exists on the server (${code}); the server's operator reinstalls it, or spawn a new terminal with another shell`;
    case 'EACCES':
    case 'EPERM':
      return cwdProblem(cwd) === 'denied'
        ? `the server's user may no longer enter the terminal's working directory (${code}); restore its permissions, or spawn a new terminal with another cwd`
        : `${program} may not be executed by the server's user (${code}); the server's operator makes it executable, or spawn a new terminal with another shell`;
    default:
      return `an unexpected error (${code ?? (error instanceof Error ? error.name : typeof error)}); retry, and if it keeps failing, give the server's operator the shell and cwd, to run it on the server with the same config`;
  }
}

/** What is wrong with `cwd` as a working directory now, if anything. */
function cwdProblem(cwd: string): 'missing' | 'denied' | undefined {
  try {
    if (!statSync(cwd).isDirectory()) return 'missing';
  } catch {
    return 'missing';
  }
  try {
    accessSync(cwd, fsConstants.X_OK);
  } catch {
    return 'denied';
  }
  return undefined;
}

/** EOT (^D): in scripted mode it closes the running command's stdin, as it means EOF on a PTY. */
const EOT_BYTE = 0x04;

/** Runs one command at a time in a fresh `shell -c`. */
export class PipeRunner {
  /** Resolves once kill() has ended the runner and the last command's output is in the pipeline. */
  readonly exited: Promise<ExitInfo>;
  private child: ChildProcess | undefined;
  private closed: Promise<void> = Promise.resolve();
  private paused = false;
  private markExited: (info: ExitInfo) => void = () => undefined;

  /** Commands run with `options`' shell, cwd and env. */
  constructor(private readonly options: PipeRunnerOptions) {
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  /** Pid of the running command's shell, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The terminal's containment (its cgroup, if any). */
  get containment(): Containment {
    return this.options.containment;
  }

  /** The directory every command starts in. */
  get cwd(): string {
    return this.options.cwd;
  }

  /** Stops (or resumes) reading the running command's output; it blocks once the pipes fill. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    for (const stream of [this.child?.stdout, this.child?.stderr]) {
      if (paused) stream?.pause();
      else stream?.resume();
    }
  }

  /** Feeds the running command's stdin; a `\x04` closes it. Throws when no command runs or its stdin is closed. */
  write(data: string | Uint8Array): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.writableEnded) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        'No command is reading input: in scripted mode write() feeds the stdin of a running execute()',
      );
    }
    // Text and bytes alike (over the wire input arrives as bytes): everything before the first
    // EOT is fed, the EOT closes stdin.
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const eot = bytes.indexOf(EOT_BYTE);
    if (eot < 0) {
      stdin.write(bytes);
      return;
    }
    if (eot > 0) stdin.write(bytes.subarray(0, eot));
    stdin.end();
  }

  /** Kills the running command's whole tree (if any); ends the runner and its pipeline. */
  async kill(signal: NodeJS.Signals = 'SIGHUP'): Promise<ExitInfo> {
    const pid = this.child?.pid;
    if (pid !== undefined) {
      this.setPaused(false);
      await killProcessTree(pid, { signal });
    }
    await this.closed;
    await this.options.containment.destroy().catch(() => undefined);
    if (!this.options.pipeline.ended) this.options.pipeline.end();
    this.markExited({ exitCode: null, signal });
    return this.exited;
  }

  /** Runs `command`; the caller guarantees no other command is in flight. */
  execute(command: string, options: ExecOptions): Promise<ExecResult> {
    if (options.signal?.aborted) return Promise.reject(execCancelled(undefined));
    const {
      shellPath,
      shellName = shellPath,
      shellKind,
      cwd,
      givenCwd,
      env,
      pipeline,
      launch,
    } = this.options;
    return new Promise<ExecResult>((resolve, reject) => {
      const startedAt = performance.now();
      const outputOffset = pipeline.endOffset;
      const stdout = new OutputCapture(options.maxOutputBytes);
      const stderr = new OutputCapture(options.maxOutputBytes);
      // The command's own variables (a TRACEPARENT) go to its process only.
      const own = options.env ? { ...env, ...options.env } : env;
      const direct: LaunchCommand = { file: shellPath, args: shellCommandArgs(shellKind, command), env: own };
      const run = launch ? launch.wrap({ ...direct, cwd, givenCwd, privateDirs: [] }) : direct;
      let launched: LaunchArgv;
      try {
        launched = this.options.containment.wrap(run);
      } catch (error) {
        run.dispose?.();
        reject(error);
        return;
      }
      const child = spawn(launched.file, launched.args, {
        cwd,
        env: launched.env,
        detached: true,
        stdio: 'pipe',
      });
      this.child = child;
      this.closed = new Promise((done) => child.once('close', () => done()).once('error', () => done()));
      if (this.paused) this.setPaused(true);
      // Its stdin is open from here: write() feeds it.
      if (child.pid !== undefined) options.onStart?.();
      let awaitingInput = false;
      let escalation: NodeJS.Timeout | undefined;
      const signalGroup = (signal: NodeJS.Signals): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const watchdog = new Watchdog(options, () => {
        // Stopped while blocked reading its stdin: it was asking for input nobody gave.
        awaitingInput = child.pid !== undefined && readingOwnStdin(child.pid) !== undefined;
        signalGroup('SIGINT');
        escalation = setTimeout(() => signalGroup('SIGKILL'), INTERRUPT_GRACE_MS);
      });
      const decoder = new TextDecoder();
      const deliver = (capture: OutputCapture) => (bytes: Uint8Array) => {
        const offset = pipeline.endOffset;
        pipeline.push(bytes);
        capture.append(bytes);
        const data = decoder.decode(bytes, { stream: true });
        if (options.onOutput && data) options.onOutput({ data, offset });
      };
      // With secrets, each stream is redacted on its own: a secret split across its writes is
      // still one secret, whatever the other stream printed in between.
      const { redaction, redactionHoldMs } = this.options;
      const sinks: RedactingSink[] = [];
      const onBytes = (capture: OutputCapture): ((bytes: Buffer) => void) => {
        const plain = deliver(capture);
        if (!redaction) {
          return (bytes) => {
            plain(bytes);
            watchdog.activity();
          };
        }
        const sink = new RedactingSink(redaction, plain, redactionHoldMs);
        sinks.push(sink);
        return (bytes) => {
          sink.push(bytes);
          watchdog.activity();
        };
      };
      child.stdout?.on('data', onBytes(stdout));
      child.stderr?.on('data', onBytes(stderr));
      child.stdin?.on('error', () => {
        // EPIPE: the command stopped reading; later input has nowhere to go.
      });
      // Background jobs of a one-shot command would hold the pipes open, and nothing owns them
      // once their shell is gone: end the command's process group so 'close' can come. The
      // group id cannot have been reused while members of it are alive. What left the group
      // (setsid, double forks) is in the terminal's cgroup, which only this command uses: the
      // result waits until all of it is gone, so the next command starts in an empty cgroup.
      let swept: Promise<void> = Promise.resolve();
      child.on('exit', () => {
        signalGroup('SIGKILL');
        swept = this.options.containment.killAll().catch(() => undefined);
      });
      const finish = (): void => {
        run.dispose?.();
        watchdog.dispose();
        clearTimeout(escalation);
        if (this.child === child) this.child = undefined;
      };
      child.on('error', (error) => {
        finish();
        reject(
          new OrchflowError(
            ErrorCode.SpawnFailed,
            `Could not run '${shellName} -c': ${shellRunFailure(error, cwd, launched.file !== shellPath)}`,
            givenCwd === undefined ? { shell: shellName } : { shell: shellName, cwd: givenCwd },
            // Node's own words name the program spawned: for an in-process caller only.
            { cause: error },
          ),
        );
      });
      child.on('close', (code, signal) => {
        // Both pipes are at their end: nothing held can still become a secret.
        for (const sink of sinks) sink.flush();
        void swept.then(() => settle(code, signal));
      });
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        finish();
        const out = stdout.result();
        const err = stderr.result();
        const reason = watchdog.stopReason;
        const result: ExecResult = {
          stdout: out.text,
          stderr: err.text,
          // As a shell's `$?` (and interactive mode) has it: 128 + N when signal N ended it.
          exitCode: code ?? (signal ? 128 + constants.signals[signal] : null),
          signal,
          durationMs: performance.now() - startedAt,
          timedOut: reason === 'timeout' || reason === 'idle',
          truncated: out.truncated || err.truncated,
          cwd,
          outputOffset,
          ...(awaitingInput ? { awaitingInput: true } : {}),
        };
        try {
          // Listeners to the terminal's output hear all of the command's before its result; they
          // are the caller's code, and one that throws cannot leave the command unsettled.
          pipeline.flush();
        } finally {
          if (reason === 'cancelled') reject(execCancelled(result));
          else resolve(result);
        }
      };
    });
  }
}

/** A scripted terminal's process side: the runner, its pipeline and the flow gate between them. */
export function startPipeHost(opts: ResolvedSpawnOptions): {
  runner: PipeRunner;
  pipeline: OutputPipeline;
  gate: FlowGate;
} {
  const gate = new FlowGate((paused) => runner.setPaused(paused));
  const pipeline = new OutputPipeline({
    scrollbackBytes: opts.scrollbackBytes,
    cols: opts.cols,
    rows: opts.rows,
    onPause: () => gate.setBackpressure(true),
    onResume: () => gate.setBackpressure(false),
  });
  const containment = Containment.create({
    mode: opts.containment,
    strict: opts.launch?.level !== undefined && opts.launch.level !== 'none',
  });
  const runner = new PipeRunner({
    shellPath: opts.shellPath,
    shellName: opts.shellName,
    shellKind: opts.kind,
    cwd: opts.cwd,
    givenCwd: opts.givenCwd,
    env: opts.env,
    pipeline,
    launch: opts.launch,
    containment,
    redaction: opts.redaction,
    redactionHoldMs: opts.redactionHoldMs,
  });
  return { runner, pipeline, gate };
}
