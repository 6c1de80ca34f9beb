// Turns a TerminalConfig into checked spawn options. Everything that would make node-pty fail
// asynchronously (missing shell, bad cwd) is checked here first, so `Terminal.spawn` rejects with
// an OrchflowError(SpawnFailed) that names the cause.
import { accessSync, constants, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, OrchflowError, type TerminalConfig } from '@orchflow/protocol';
import { buildTerminalEnv } from './env';
import type { TerminalRedaction } from './output/redaction';

/** Which shell integration a shell gets: hooks for bash and zsh, the wrapper fallback for POSIX sh. */
export type ShellKind = 'bash' | 'zsh' | 'sh';

/** Default time for a shell to show its first prompt before `spawn` gives up (10 s). */
export const DEFAULT_SPAWN_TIMEOUT_MS = 10_000;

/** What a {@link LaunchWrapper} is asked to start: the shell (or, in scripted mode, `shell -c`). */
export interface LaunchTarget {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /**
   * `cwd` as the terminal's caller gave it (relative, or through a symlink), how errors name it:
   * `cwd` is resolved against the server's own directory and may be a real path; undefined when
   * the caller gave none.
   */
  givenCwd?: string;
  /** Private directories the shell must be able to read (its shell-integration rc dir). */
  privateDirs: readonly string[];
}

/** The program that really gets spawned; `dispose` runs once it and its whole tree have ended. */
export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Cap on the tasks (processes and threads) of the terminal, enforced by its pids cgroup — for
   * a root orchestrator, where RLIMIT_NPROC does not apply. The spawn fails where no pids cgroup
   * can be had.
   */
  maxTasks?: number;
  /**
   * Cap on the memory of the whole terminal in bytes (all its processes together, tmpfs pages
   * they wrote included), enforced by its memory cgroup where the host has one (else a warning).
   */
  maxMemoryBytes?: number;
  dispose?(): void;
}

/**
 * Starts the shell under another program — resource limits, a network namespace, a sandbox.
 * `wrap` may throw an OrchflowError (SpawnFailed) when the wrapper cannot run here.
 */
export interface LaunchWrapper {
  /**
   * The isolation level the wrapper gives the shell (`@orchflow/security`'s levels), when it says;
   * a backend runs `mode: 'sandboxed'` only under `sandbox` or `container`.
   */
  readonly level?: 'none' | 'process' | 'sandbox' | 'container';
  wrap(target: LaunchTarget): LaunchCommand;
}

/** A TerminalConfig with every default applied and checked. */
export interface ResolvedSpawnOptions {
  /** Absolute path of the shell executable. */
  shellPath: string;
  /**
   * The shell as the caller gave it (`bash` when none), how errors name it: `shellPath` is where
   * the server found it (its PATH, which may lead into its home; a path relative to the cwd).
   */
  shellName: string;
  kind: ShellKind;
  args: string[];
  cwd: string;
  /** The cwd as the caller gave it, how errors name it (see LaunchTarget.givenCwd); undefined: none given. */
  givenCwd: string | undefined;
  env: Record<string, string>;
  cols: number;
  rows: number;
  name: string | undefined;
  mode: NonNullable<TerminalConfig['mode']>;
  /** Undefined: the pipeline's default (1 MiB). */
  scrollbackBytes: number | undefined;
  /** TerminalConfig.lineEditing (default false); whether the shell has one: {@link runsLineEditor}. */
  lineEditing: boolean;
  /** Starts the shell under a wrapper (isolation); undefined: spawned directly. */
  launch?: LaunchWrapper;
  /** `auto` (default): the terminal gets its own cgroup where the host allows; `process-tree`: never. */
  containment?: 'auto' | 'process-tree';
  /** Secrets redacted from the display bytes at the source (see output/redaction.ts). */
  redaction?: TerminalRedaction;
  /** How long a held possible start of a secret waits for more bytes (default: one batch, 16 ms). */
  redactionHoldMs?: number;
}

/** The shell kind for a shell path, or undefined when orchflow has no integration for it. */
export function shellKindOf(shellPath: string): ShellKind | undefined {
  const name = basename(shellPath);
  if (/^bash\d*(\.\d+)*$/.test(name)) return 'bash';
  if (/^zsh(-?[\d.]+)?$/.test(name)) return 'zsh';
  if (/^(sh|dash|ash|ksh|ksh93|mksh|posh)$/.test(name)) return 'sh';
  return undefined;
}

function spawnFailed(message: string, data?: unknown): OrchflowError {
  return new OrchflowError(ErrorCode.SpawnFailed, message, data);
}

/** True for a regular file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    // Not throwing for a missing file: a PATH search misses in most directories, and an exception
    // costs ~5 µs each.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findShell(shell: string, pathVar: string | undefined, cwd: string): string {
  if (shell.includes('/')) {
    const path = isAbsolute(shell) ? shell : resolve(cwd, shell);
    if (isExecutableFile(path)) return path;
    throw spawnFailed(`Shell '${shell}' does not exist or is not an executable file`, { shell });
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, shell))) return join(dir, shell);
  }
  // Not the PATH searched: unless the caller set it in env, it is the server's own.
  throw spawnFailed(
    `Shell '${shell}' was not found in PATH on the server; install it there, pass an absolute path, or set PATH in the terminal's env`,
    { shell },
  );
}

/**
 * How a SpawnFailed names the cwd of a terminal spawned without one: the server's own working
 * directory, a path of the server's host the caller never gave (a SpawnFailed reaches remote
 * clients unchanged).
 */
export const DEFAULT_CWD = "The server's own working directory (where a terminal spawned without cwd starts)";

/**
 * The server's own working directory, where a terminal spawned without cwd starts (and against
 * which a relative cwd resolves); SpawnFailed when it has been removed (node cannot tell it then).
 */
function serverCwd(): string {
  try {
    return process.cwd();
  } catch (error) {
    throw new OrchflowError(ErrorCode.SpawnFailed, `${DEFAULT_CWD} does not exist; pass a cwd`, undefined, {
      cause: error,
    });
  }
}

/** Checks `cwd`, resolved from `given` (the caller's, as given: undefined for the default). */
function checkCwd(cwd: string, given: string | undefined): void {
  // Named as the caller gave it: a relative one resolves against the server's own directory.
  const named = given === undefined ? DEFAULT_CWD : `Working directory '${given}'`;
  const fix = given === undefined ? 'pass a cwd' : 'create it or pass another cwd';
  const data = given === undefined ? undefined : { cwd: given };
  let isDir: boolean;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw spawnFailed(`${named} does not exist; ${fix}`, data);
  }
  if (!isDir) throw spawnFailed(`${named} is not a directory`, data);
  try {
    accessSync(cwd, constants.X_OK);
  } catch {
    throw spawnFailed(`${named} is not accessible (no search permission)`, data);
  }
}

/** How errors name a config's cwd and shell when they are resolved forms of the caller's. */
export interface GivenConfig {
  /** The cwd as the caller gave it (relative, or through a symlink). */
  cwd?: string;
  /** The shell as the caller gave it; undefined: none (`bash`). */
  shell?: string;
}

/**
 * Applies defaults and checks that the shell and cwd exist; throws OrchflowError(SpawnFailed).
 * `asGiven`: how errors name `config.cwd` and `config.shell`, when those are resolved forms of
 * the caller's (an orchestrator's spawn guard passes real paths); default: as in `config`.
 */
export function resolveSpawnOptions(
  config: TerminalConfig,
  asGiven: GivenConfig = { cwd: config.cwd, shell: config.shell },
): ResolvedSpawnOptions {
  const given = config.cwd;
  const givenCwd = asGiven.cwd ?? given;
  const shellName = asGiven.shell ?? 'bash';
  const cwd = given !== undefined && isAbsolute(given) ? resolve(given) : resolve(serverCwd(), given ?? '.');
  const named = given === undefined ? undefined : givenCwd;
  checkCwd(cwd, named);
  // secretEnv values are variables like any other for the shell; only the output treats them apart.
  const env = buildTerminalEnv(config.secretEnv ? { ...config.env, ...config.secretEnv } : config.env);
  const mode = config.mode ?? 'interactive';
  const shellPath = findShell(config.shell ?? 'bash', env.PATH, cwd);
  const kind = shellKindOf(shellPath);
  if (kind === undefined && mode !== 'scripted') {
    throw spawnFailed(
      `Shell '${shellName}' has no shell integration; use bash, zsh or a POSIX sh, or mode 'scripted'`,
      { shell: shellName },
    );
  }
  return {
    shellPath,
    shellName,
    kind: kind ?? 'sh',
    args: config.args ?? [],
    cwd,
    givenCwd: named,
    env,
    cols: config.cols ?? 80,
    rows: config.rows ?? 24,
    name: config.name,
    mode,
    scrollbackBytes: config.scrollbackBytes,
    lineEditing: config.lineEditing ?? false,
  };
}

/**
 * Options for a shell that already runs (see `Terminal.resume`): defaults applied like
 * {@link resolveSpawnOptions}, but nothing is checked on disk — the shell started long ago.
 */
export function resumedSpawnOptions(
  config: TerminalConfig,
  shellPath: string,
  kind: ShellKind,
): ResolvedSpawnOptions {
  return {
    shellPath,
    shellName: config.shell ?? 'bash',
    kind,
    args: config.args ?? [],
    cwd: resolve(config.cwd ?? process.cwd()),
    givenCwd: config.cwd,
    env: buildTerminalEnv(config.secretEnv ? { ...config.env, ...config.secretEnv } : config.env),
    cols: config.cols ?? 80,
    rows: config.rows ?? 24,
    name: config.name,
    mode: config.mode ?? 'interactive',
    scrollbackBytes: config.scrollbackBytes,
    lineEditing: config.lineEditing ?? false,
  };
}

/**
 * Whether the shell reads typed lines through its own line editor: zsh always (without zle it
 * drops the line typed after an interrupt at its prompt), bash only with `lineEditing`, sh never.
 */
export function runsLineEditor(kind: ShellKind, lineEditing: boolean): boolean {
  return kind === 'zsh' || (kind === 'bash' && lineEditing);
}
