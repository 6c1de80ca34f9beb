// Spawn-time enforcement of a SecurityPolicy. When an agent spawns its own terminal, its config
// is as untrusted as its commands, and each part can run code the command policy never sees or
// widen the isolation: `env` (PATH=evil/bin, BASH_ENV, BASH_FUNC_ls%%, PROMPT_COMMAND, GIT_*),
// `shell` (any program, e.g. python3), `args` (`-c '…; exec bash'`) and `cwd` (`/` bound writable
// into the sandbox). Under any policy that is not trusted-like (no allowlist and isolation
// 'none') such configs are refused with PolicyDenied; see docs/security.md, "Spawn config".
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { ErrorCode, OrchflowError, type TerminalConfig } from '@orchflow/protocol';
import { DANGEROUS_VARIABLES, type IsolationLevel, type SecurityPolicy } from '@orchflow/security';
import { SANDBOX_HIDDEN_DIRS } from '@orchflow/security/internal';
import { DEFAULT_CWD } from '@orchflow/terminal/internal';

/**
 * Environment variables (`*` globs, matched case-insensitively) a caller may not set at spawn
 * under a policy that is not trusted-like, on top of the policy's `dangerousVariables`: each one
 * makes the shell or an allowed program (git, npm, pytest, cargo, go, make, less…) load or run
 * code of the caller's choosing. A denylist cannot be complete; see the known limits.
 */
export const SPAWN_DANGEROUS_ENV: readonly string[] = [
  ...DANGEROUS_VARIABLES,
  'PATH',
  'LD_*',
  'BASH_*',
  'ENV',
  'PROMPT_COMMAND',
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'HISTFILE',
  'CDPATH',
  'IFS',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'INPUTRC',
  'SHELL',
  'HOME',
  'ZDOTDIR',
  'XDG_CONFIG_HOME',
  'ORCHFLOW_*',
  'GIT_*',
  'PAGER',
  'MANPAGER',
  'SYSTEMD_PAGER',
  'EDITOR',
  'VISUAL',
  'LESSOPEN',
  'LESSCLOSE',
  'BROWSER',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  'NODE_*',
  'NPM_CONFIG_*',
  'YARN_*',
  'COREPACK_*',
  'PYTHON*',
  'PYTEST_*',
  'PERL*',
  'RUBY*',
  'GEM_*',
  'BUNDLE_*',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'GOFLAGS',
  'GOROOT',
  'GOPATH',
  'GOENV',
  'GOTOOLCHAIN',
  'CARGO_*',
  'RUSTC*',
  'RUSTFLAGS',
  'RUSTUP_*',
  'MAKEFLAGS',
  'MFLAGS',
  'GCONV_PATH',
  'LOCPATH',
  'NLSPATH',
  'MALLOC_*',
  'GLIBC_TUNABLES',
];

/** Shells a terminal may run under a policy that is not trusted-like. */
const ALLOWED_SHELLS = new Set(['bash', 'zsh', 'sh']);

// Where a bare shell name is looked up when the orchestrator's own PATH does not have it.
const SYSTEM_BIN_DIRS = ['/usr/local/bin', '/usr/bin', '/bin'];

// Host system directories a sandbox or container must never bind writable as the workspace.
const SYSTEM_DIRS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
];

/** True for a policy that does not restrict spawn configs: no allowlist and isolation 'none'. */
export function isTrustedLike(policy: SecurityPolicy): boolean {
  return policy.allowedCommands === undefined && policy.isolationLevel === 'none';
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 'i');
}

/** The first glob of `globs` that `name` matches, if any. */
export function matchingGlob(name: string, globs: readonly string[]): string | undefined {
  return globs.find((glob) => globRegExp(glob).test(name));
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** `path`'s real path (symlinks resolved), or just resolved when it does not exist. */
export function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function systemShells(): Set<string> {
  try {
    const lines = readFileSync('/etc/shells', 'utf8').split('\n');
    return new Set(lines.map((l) => l.trim()).filter((l) => l.startsWith('/')));
  } catch {
    return new Set();
  }
}

/** Checks spawn configs against one policy. */
export class SpawnGuard {
  private readonly envGlobs: readonly string[];
  /** The policy's forbidden paths: as configured (`~/.ssh`, how denials name them) and real. */
  private readonly forbidden: readonly { configured: string; real: string }[];

  /** A guard for `policy` (validated); `home` expands `~` in forbidden paths. */
  constructor(
    private readonly policy: SecurityPolicy,
    private readonly home = homedir(),
  ) {
    this.envGlobs = [...policy.dangerousVariables, ...SPAWN_DANGEROUS_ENV];
    const expand = (p: string): string =>
      p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
    this.forbidden = policy.forbiddenPaths.map((configured) => ({
      configured,
      real: realOrResolved(expand(configured)),
    }));
  }

  /**
   * `config` made safe to spawn (shell resolved to an absolute system path, cwd to its real
   * path); throws PolicyDenied naming the rule (`spawn-env:<NAME>`, `spawn-shell`, `spawn-args`,
   * `spawn-cwd:<why>`) when the policy does not allow it.
   */
  check(config: TerminalConfig): TerminalConfig {
    const cwd = realOrResolved(config.cwd ?? process.cwd());
    this.checkCwd(cwd, config.cwd);
    if (isTrustedLike(this.policy)) return config;
    // secretEnv reaches the shell's environment like env does.
    for (const name of Object.keys({ ...config.env, ...config.secretEnv })) {
      const glob = matchingGlob(name, this.envGlobs);
      if (glob !== undefined) {
        throw denied(
          `spawn-env:${name}`,
          `Environment variable '${name}' (matches '${glob}') may not be set when spawning a terminal under this security policy: it can make the shell or an allowed program run code the command policy never sees. Remove it from env`,
        );
      }
    }
    if (config.args !== undefined && config.args.length > 0) {
      throw denied(
        'spawn-args',
        `Shell arguments (${JSON.stringify(config.args)}) may not be given when spawning a terminal under this security policy: they run unchecked code (e.g. '-c'). Spawn without args and send commands with execute()`,
      );
    }
    // A cwd the caller did not give stays unset: the terminal starts in the server's own, and a
    // failure there does not name that path (see DEFAULT_CWD).
    return {
      ...config,
      ...(config.cwd === undefined ? {} : { cwd }),
      shell: this.resolveShell(config.shell ?? 'bash'),
    };
  }

  private resolveShell(shell: string): string {
    const name = basename(shell);
    if (!ALLOWED_SHELLS.has(name) || (shell.includes('/') && !isAbsolute(shell))) {
      throw denied(
        'spawn-shell',
        `Shell '${shell}' is not allowed under this security policy: use bash, zsh or sh (a bare name, or the system's absolute path)`,
      );
    }
    if (isAbsolute(shell)) {
      const dir = dirname(shell);
      if (!systemShells().has(shell) && !SYSTEM_BIN_DIRS.includes(dir)) {
        throw denied(
          'spawn-shell',
          `Shell '${shell}' is not a system shell (not in /etc/shells nor in ${SYSTEM_BIN_DIRS.join(', ')}); use bash, zsh or sh`,
        );
      }
      return shell;
    }
    // The caller's env cannot carry PATH here (refused above), so the orchestrator's own PATH is trusted.
    const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(isAbsolute), ...SYSTEM_BIN_DIRS];
    const found = dirs.map((d) => join(d, name)).find(isExecutable);
    // Not installed: the spawn itself reports SpawnFailed with the usual message.
    return found ?? name;
  }

  /**
   * Throws PolicyDenied when `cwd` (a real path) lies inside a forbidden path. `given`: the cwd as
   * the caller gave it, undefined for the server's own; denials name it so, and a forbidden path
   * as the policy has it (`~/.ssh`): not the real paths, which are the server's (its home, its
   * own directory a relative cwd resolves against, where symlinks lead).
   */
  private checkCwd(cwd: string, given: string | undefined): void {
    const inside = this.forbidden.find((p) => within(cwd, p.real));
    if (inside !== undefined) {
      throw denied(
        given === undefined ? 'spawn-cwd:forbidden-path' : `spawn-cwd:forbidden-path:${inside.configured}`,
        given === undefined
          ? `${DEFAULT_CWD} lies inside a forbidden path of the security policy; pass a cwd elsewhere`
          : `Working directory '${given}' lies inside the forbidden path '${inside.configured}'; spawn the terminal elsewhere`,
      );
    }
    this.checkWorkspace(cwd, this.policy.isolationLevel, given);
  }

  /**
   * Throws PolicyDenied (`spawn-cwd:too-wide`, `spawn-cwd:system-dir`) when `cwd` (a real path)
   * must not be bound writable into a terminal isolated at `level`; any cwd passes below `sandbox`.
   * `given`: the cwd as the caller gave it, how the message names it; undefined when `cwd` is the
   * server's own, which the message does not name (nor the home directory it may be). What it
   * contains is named as the caller knows it: `~` for the server's home, a forbidden path as the
   * policy has it.
   */
  checkWorkspace(cwd: string, level: IsolationLevel, given?: string): void {
    if (level !== 'sandbox' && level !== 'container') return;
    const homes = [this.home, realOrResolved(this.home)];
    const covers = ['/', ...homes, '/root', ...SANDBOX_HIDDEN_DIRS, ...this.forbidden.map((p) => p.real)];
    const covered = covers.find((p) => within(p, cwd));
    if (covered !== undefined) {
      const named = homes.includes(covered)
        ? '~'
        : (this.forbidden.find((p) => p.real === covered)?.configured ?? covered);
      throw denied(
        'spawn-cwd:too-wide',
        given === undefined
          ? `${DEFAULT_CWD} would be bound writable into the ${level} and contains the root, a home directory, a hidden or a forbidden path; pass a cwd: a project directory`
          : `Working directory '${given}' would be bound writable into the ${level} and contains '${named}' (the root, a home directory, a hidden or a forbidden path); use a project directory instead`,
      );
    }
    const system = SYSTEM_DIRS.find((d) => within(cwd, d));
    if (system !== undefined) {
      throw denied(
        'spawn-cwd:system-dir',
        given === undefined
          ? `${DEFAULT_CWD} is inside a system directory, which the ${level} must not bind writable; pass a cwd: a project directory`
          : `Working directory '${given}' is inside the system directory '${system}', which the ${level} must not bind writable; use a project directory instead`,
      );
    }
  }
}

function denied(rule: string, message: string): OrchflowError {
  return new OrchflowError(ErrorCode.PolicyDenied, message, { rule, reason: message });
}
