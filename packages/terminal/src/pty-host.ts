// An interactive terminal's process side: the PTY running a shell with shell integration, the
// marker session over its bytes, and the output pipeline they feed. Starting it resolves at the
// shell's first prompt; its exit resolves only after the PTY has drained, so the last bytes a
// process wrote before exiting are in the pipeline before anyone hears of the exit. The PTY is a
// PtyProcess: one of this process by default (spawner/local-pty), or another one (a tmux pane) —
// and a shell that is already running (re-adopted after an orchestrator restart) can be resumed
// with its stored key.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ErrorCode, type ExitInfo, OrchflowError, renamePath } from '@orchflow/protocol';
import { Containment } from './containment/containment';
import { markOwned } from './containment/reaper';
import { cleanTerminalOutput } from './exec/clean';
import { ShellSession, type ShellSessionHost } from './exec/shell-session';
import { FlowGate } from './flow-gate';
import { errnoCode, resourceShortage } from './host-failure';
import { OutputPipeline } from './output/pipeline';
import { redactAll } from './output/redaction';
import { foregroundProcessGroup, killProcessTree } from './process/tree';
import type { PtyFactory, PtyProcess } from './pty-process';
import { shellDirBase } from './shell-integration/base-dir';
import { installShellIntegration, type ShellIntegration } from './shell-integration/install';
import { createNonce } from './shell-integration/marker-format';
import { type LaunchCommand, type ResolvedSpawnOptions, runsLineEditor } from './spawn-options';
import { spawnLocalPty } from './spawner/local-pty';
import { SpawnerEnded, SpawnerStartError, SpawnRequestRefused } from './spawner/spawner';

/** A running PTY shell with its session and pipeline. */
export interface PtyHost {
  pty: PtyProcess;
  session: ShellSession;
  pipeline: OutputPipeline;
  gate: FlowGate;
  /** The terminal's containment (its cgroup, if any). */
  containment?: Containment;
  /** Resolves once the shell has exited, its output drained and leftover session members ended. */
  exited: Promise<ExitInfo>;
}

/** A shell that already runs with orchflow's shell integration, to be driven again. */
export interface ShellResume {
  /** The key its integration was given at startup (see marker-format). */
  nonce: string;
  /** Its private shell-integration directory; removed when the shell exits. */
  dir: string;
  /** Its working directory as far as known. */
  cwd: string;
  /** Output it printed before (e.g. restored scrollback); goes into the pipeline first. */
  replay?: Uint8Array;
}

// Ctrl-U (the tty's line-kill character, and readline's) drops half-typed input, then an empty
// line makes the prompt hooks run once more and print the "prompt ready" marker.
const REARM = '\x15\r';

function spawnFailed(message: string, data?: unknown, cause?: unknown): OrchflowError {
  return new OrchflowError(ErrorCode.SpawnFailed, message, data, { cause });
}

/**
 * The shell integration in `base`, marked as this process's when `owned`; in the temp dir when
 * `base` (/dev/shm) refuses it (full, read-only).
 */
export function installIntegration(
  opts: ResolvedSpawnOptions,
  lineEditor: boolean,
  base: string,
  owned: boolean,
): ShellIntegration {
  const install = (dir: string): ShellIntegration => {
    const integration = installShellIntegration(opts.kind, opts.args, opts.env, lineEditor, dir);
    try {
      if (owned) markOwned(integration.dir);
    } catch (error) {
      integration.dispose();
      throw error;
    }
    return integration;
  };
  try {
    return install(base);
  } catch (error) {
    if (base === tmpdir()) throw error;
    return install(tmpdir());
  }
}

/**
 * Why the shell integration could not be written, for the caller: what failed and what the
 * server's operator can do, by the error's code. Never the directory or the file: this message
 * reaches remote clients unchanged (SpawnFailed is theirs), and the temp dir's path is the
 * server's (TMPDIR may name a home directory); the error itself stays the SpawnFailed's cause.
 */
function integrationFailure(error: unknown): string {
  const code = errnoCode(error);
  const shortage = resourceShortage(code);
  if (shortage) return shortage;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the server's temp directory is full (${code}); free space there, or start the server with TMPDIR set to a directory with room`;
    default:
      return `the server's temp directory refused it (${code ?? 'an unexpected error'}); start the server with TMPDIR set to a writable directory`;
  }
}

/**
 * Why the shell could not be started in a PTY, for the caller (see {@link integrationFailure}):
 * never node-pty's or the spawner's own words, which may name the server's paths (the spawner's
 * install location, what it printed). A request refused for its own size or bytes says so.
 */
function ptyStartFailure(error: unknown): string {
  if (error instanceof SpawnRequestRefused) return error.message;
  if (error instanceof SpawnerEnded) {
    return `orchflow's process spawner on the server ended before it started the shell (${error.how}); retry: the next terminal starts a new spawner`;
  }
  const code = errnoCode(error);
  const shortage = resourceShortage(code);
  if (shortage) return shortage;
  if (error instanceof SpawnerStartError) {
    switch (error.stage) {
      case 'chdir':
        return `the shell could not change to its working directory (${code ?? 'an unexpected error'}); pass a cwd the server's user may enter`;
      case 'open':
      case 'ctty':
        return `its PTY could not be set up (${code ?? 'an unexpected error'}); retry, and if it keeps failing, the server's operator checks the host's PTYs (/dev/pts, kernel.pty.max)`;
      default:
        return `the shell could not be run (${code ?? 'an unexpected error'}); pass a shell the server's user may execute`;
    }
  }
  const message = error instanceof Error ? error.message : '';
  if (/\b(open|fork)pty\(3\) failed/.test(message)) {
    return "no PTY could be opened or no process started on the server's host; end terminals that are no longer needed, or have the server's operator raise the host's PTY limit (kernel.pty.max) or process limit (ulimit -u)";
  }
  return `an unexpected error (${code ?? (error instanceof Error ? error.name : typeof error)}); retry, and if it keeps failing, give the server's operator the shell and cwd, to start it on the server with the same config`;
}

/**
 * `text` (what a shell or its wrapper printed, e.g. bwrap's `Can't chdir to <cwd>: Permission
 * denied`) with the terminal's resolved cwd named as the caller gave it: it is the server's
 * directory a relative cwd resolved against, or where a symlink leads.
 */
function cwdAsGivenIn(text: string, opts: ResolvedSpawnOptions): string {
  const named = opts.givenCwd ?? "<the server's working directory>";
  return opts.cwd === named ? text : renamePath(text, opts.cwd, named);
}

/** The environment a running PTY terminal's options keep: none (the shell has its own). */
export const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});

/** Spawns the shell and resolves at its first prompt; rejects with SpawnFailed otherwise. */
export async function startPtyHost(
  opts: ResolvedSpawnOptions,
  spawnTimeoutMs: number,
  spawnPty: PtyFactory = spawnLocalPty,
): Promise<PtyHost> {
  const nonce = createNonce();
  const lineEditor = runsLineEditor(opts.kind, opts.lineEditing);
  // This process's PTYs end with it; another PtyFactory's (a tmux pane) may outlive it.
  const inProcess = spawnPty === spawnLocalPty;
  // An isolating wrapper binds the directory by path into a mount namespace of its own.
  const isolated = opts.launch !== undefined && opts.launch.level !== 'none';
  const base = shellDirBase(isolated || !inProcess);
  let integration: ShellIntegration;
  try {
    integration = installIntegration(opts, lineEditor, base, inProcess);
  } catch (error) {
    throw spawnFailed(
      `Could not write the terminal's shell integration: ${integrationFailure(error)}`,
      undefined,
      error,
    );
  }
  let pty: PtyProcess;
  let run: LaunchCommand | undefined;
  let containment: Containment | undefined;
  try {
    const direct = { file: opts.shellPath, args: integration.args, env: { ...opts.env, ...integration.env } };
    run = opts.launch
      ? opts.launch.wrap({
          ...direct,
          cwd: opts.cwd,
          givenCwd: opts.givenCwd,
          privateDirs: [integration.dir],
        })
      : direct;
    containment = Containment.create({
      mode: opts.containment,
      strict: opts.launch?.level !== undefined && opts.launch.level !== 'none',
      persistent: !inProcess,
    });
    pty = await spawnPty({
      ...containment.wrap(run),
      cwd: opts.cwd,
      cols: opts.cols,
      rows: opts.rows,
      nonce,
      dir: integration.dir,
    });
  } catch (error) {
    integration.dispose();
    run?.dispose?.();
    void containment?.destroy().catch(() => undefined);
    if (error instanceof OrchflowError) throw error;
    throw spawnFailed(
      `Could not start '${opts.shellName}' in a PTY: ${ptyStartFailure(error)}`,
      undefined,
      error,
    );
  }
  // The shell has its environment now: what the terminal keeps for its lifetime holds none of it
  // (a copy of every variable per terminal, ~4 KB of heap each).
  const { env: _env, ...kept } = opts;
  const host = wire(pty, kept, nonce, integration.dir, run?.dispose ? run : undefined, {
    awaitingKey: true,
    containment,
  });
  const ready = host.session.whenReady().then(() => 'ready' as const);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), spawnTimeoutMs);
  });
  // Not raced with `host.exited`: that promise lives as long as the terminal, and the race's
  // reactions (with the spawn timer) would stay on it. whenReady also resolves at the shell's exit.
  const outcome = await Promise.race([ready, timeout]);
  clearTimeout(timer);
  if (outcome === 'ready' && host.pipeline.ended === false) return host;
  if (outcome === 'timeout') await killProcessTree(pty.pid, { graceMs: 500 }).catch(() => undefined);
  const info = await host.exited;
  const end = host.pipeline.endOffset;
  const tail = cleanTerminalOutput(host.pipeline.read({ fromOffset: Math.max(0, end - 2000) }).data).trim();
  const what =
    outcome === 'timeout'
      ? `did not show its first prompt within ${spawnTimeoutMs} ms (its startup hung or replaced the prompt hooks)`
      : `exited during startup (${info.signal ? `signal ${info.signal}` : `exit code ${info.exitCode}`})`;
  const printed = cwdAsGivenIn(tail, opts);
  throw spawnFailed(`Shell '${opts.shellName}' ${what}${printed ? `; it printed: ${printed}` : ''}`, {
    shell: opts.shellName,
    exit: info,
  });
}

/**
 * Drives a shell that already runs with orchflow's integration (see {@link ShellResume}). It
 * re-arms the prompt hooks with an empty line: an idle shell answers with a prompt marker at
 * once; a busy one when its command ends (the empty line then runs as a no-op). Commands wait
 * for that marker, so the host is returned without waiting.
 */
export function resumePtyHost(opts: ResolvedSpawnOptions, pty: PtyProcess, resume: ShellResume): PtyHost {
  const host = wire(pty, { ...opts, cwd: resume.cwd }, resume.nonce, resume.dir, undefined, {
    awaitingKey: false,
    replay: resume.replay,
    // Its persistent cgroup (made when it was spawned), so killing it still takes everything.
    containment: Containment.adopt(pty.pid),
  });
  pty.write(REARM);
  return host;
}

function wire(
  pty: PtyProcess,
  opts: Omit<ResolvedSpawnOptions, 'env'>,
  nonce: string,
  dir: string,
  run: LaunchCommand | undefined,
  {
    awaitingKey,
    replay,
    containment,
  }: { awaitingKey: boolean; replay?: Uint8Array; containment?: Containment },
): PtyHost {
  const pausable = pty.pausable !== false;
  const gate = new FlowGate((paused) => {
    if (pausable) paused ? pty.pause() : pty.resume();
  });
  const pipeline = new OutputPipeline({
    scrollbackBytes: opts.scrollbackBytes,
    cols: opts.cols,
    rows: opts.rows,
    onPause: () => gate.setBackpressure(true),
    onResume: () => gate.setBackpressure(false),
  });
  if (replay && replay.length > 0) pipeline.push(opts.redaction ? redactAll(opts.redaction, replay) : replay);
  // A plain object of one shape: a getter in a literal makes V8 keep it as a dictionary (~0.8 KB
  // per terminal, counted a thousand times over).
  const host: ShellSessionHost = {
    kind: opts.kind,
    nonce,
    awaitingKey,
    // A container's shell runs behind its engine's client: /proc here shows the client.
    verify: opts.launch?.level !== 'container',
    // A wrapper may stay the PTY's child and run the shell below it (bwrap does, in a PID
    // namespace). Interactive shells put themselves in front of the terminal at their first
    // prompt, so the foreground group then is the shell's own pid as seen from here.
    onFirstPrompt: () => {
      if (opts.launch) host.shellPid = foregroundProcessGroup(pty.pid) ?? pty.pid;
    },
    shellPid: pty.pid,
    dir,
    lineEditing: runsLineEditor(opts.kind, opts.lineEditing),
    initialCwd: opts.cwd,
    pipeline,
    redaction: opts.redaction,
    redactionHoldMs: opts.redactionHoldMs,
    // The session types command lines only at a prompt, so Ctrl-U there only clears what a person typed.
    write: (data) =>
      pty.write(pty.sharedInput && data.length > 1 && /[\r\n]$/.test(data) ? `\x15${data}` : data),
    killTerminal: () => void killProcessTree(pty.pid).catch(() => undefined),
  };
  const session = new ShellSession(host);
  pty.onData((bytes) => session.handleData(bytes));
  const exited = new Promise<ExitInfo>((resolve) => {
    pty.onExit((info) => {
      session.handleExit(info);
      pipeline.end();
      rmSync(dir, { recursive: true, force: true });
      // Background jobs outlive their shell; a terminal leaves no orphans behind. What left the
      // session and tree (setsid, double forks) is still in the terminal's cgroup.
      void killProcessTree(pty.pid, { graceMs: 500 })
        .catch(() => undefined)
        .then(() => containment?.destroy())
        .catch(() => undefined)
        .then(() => {
          run?.dispose?.();
          resolve(info);
        });
    });
  });
  return { pty, session, pipeline, gate, containment, exited };
}
