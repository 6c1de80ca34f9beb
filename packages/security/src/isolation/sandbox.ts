// The `sandbox` level: bubblewrap arguments. The host's root is visible read-only; /tmp, /var/tmp,
// /home, /run, the real home directory and /root are empty private tmpfs of bounded size; /proc's
// global knobs are read-only and /sys is empty (sandbox-kernel.ts); the workspace is the only
// writable host directory; forbidden paths are covered (directories by a mode-000 tmpfs, files by
// /dev/null); the sandbox has its own PID, IPC and UTS namespaces (and network namespace unless
// the policy allows network), the shell is its PID 1, and every capability is dropped; under a
// root orchestrator bwrap runs as an unprivileged sandbox user in a user namespace. See
// docs/security.md for why an interactive PTY shell does not get `--new-session`.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve, sep } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { tildeHomeIn } from '../command/home-bound';
import { kernelFsArgs, kernelFsReadOnlyArgs, sizedTmpfs, tmpfsSizes } from './sandbox-kernel';
import { blockingAncestor, type SandboxUser, unreachableError } from './sandbox-user';
import type { IsolationSpec } from './types';

/**
 * Host directories replaced by an empty private tmpfs inside the sandbox (/var/tmp: it holds
 * other programs' Unix sockets, which a network namespace does not cut off).
 */
export const SANDBOX_HIDDEN_DIRS: readonly string[] = ['/tmp', '/var/tmp', '/home', '/run'];

/** How the sandboxed program relates to the terminal. */
export interface SandboxOptions {
  /** Private directories to bind read-only (the shell integration's rc dir). */
  privateDirs: readonly string[];
  /**
   * `--new-session`: the program gets a session of its own, away from any controlling terminal
   * (stops TIOCSTI injection). Off for an interactive PTY shell, which needs the PTY as its
   * controlling terminal for job control, ^C and timeouts.
   */
  newSession: boolean;
  /**
   * The unprivileged user bwrap runs as (a root orchestrator drops to it first, see
   * sandbox-drop.ts): bwrap then gets its own user namespace, and a forbidden path that user
   * cannot reach on the host anyway gets no cover (bwrap could not make its mount point).
   */
  user?: SandboxUser;
  /** Host paths to bind the workspace and private dirs from, by their path (the drop's staged clones). */
  sources?: ReadonlyMap<string, string>;
  /**
   * How errors name a host path ({@link sandboxPathNames}, with the workspace as the terminal's
   * caller gave it); default: every path with `~` for the home directory.
   */
  named?: (path: string) => string;
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/**
 * The directories covered by an empty tmpfs: {@link SANDBOX_HIDDEN_DIRS}, plus the real home
 * (root's is /root, outside /home) and /root — each unless it holds the workspace or is already
 * covered.
 */
function hiddenDirs(spec: IsolationSpec, workspace: string): string[] {
  const dirs = [...SANDBOX_HIDDEN_DIRS];
  for (const candidate of [spec.home, '/root']) {
    if (candidate === undefined) continue;
    const dir = resolve(candidate);
    if (dirs.some((d) => within(dir, d)) || within(dir, workspace) || !isDirectory(dir)) continue;
    dirs.push(dir);
  }
  return dirs;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * How a sandbox's errors name a host path: a SpawnFailed reaches remote callers, so the workspace
 * is named as the caller gave it (`givenWorkspace`, when known) and any other path (a forbidden
 * one, as configured) with `~` for the server's home directory.
 */
export function sandboxPathNames(
  spec: IsolationSpec,
  givenWorkspace: string | undefined,
): (path: string) => string {
  const workspace = resolve(spec.workspace);
  const home = spec.home ?? homedir();
  return (path) =>
    path === workspace && givenWorkspace !== undefined ? givenWorkspace : tildeHomeIn(path, home);
}

/** `bwrap` arguments (without the program to run) for `spec`. Throws SpawnFailed for a workspace inside a forbidden path. */
export function bwrapArgs(spec: IsolationSpec, options: SandboxOptions): string[] {
  const workspace = resolve(spec.workspace);
  const named = options.named ?? sandboxPathNames(spec, undefined);
  const size = tmpfsSizes(spec.limits);
  const args = ['--ro-bind', '/', '/', ...kernelFsArgs(size.small)];
  const hidden = hiddenDirs(spec, workspace);
  for (const dir of hidden) {
    args.push(...sizedTmpfs(dir, dir === '/tmp' ? size.tmp : size.small));
  }
  // After the tmpfs mounts: a workspace inside a hidden home reappears on top of them.
  const source = (dir: string): string => options.sources?.get(resolve(dir)) ?? dir;
  args.push('--bind', source(workspace), workspace);
  for (const dir of options.privateDirs) args.push('--ro-bind', source(dir), dir);
  for (const path of spec.forbiddenPaths.map((p) => resolve(p))) {
    if (within(workspace, path)) {
      throw new OrchflowError(
        ErrorCode.SpawnFailed,
        `The sandbox workspace '${named(workspace)}' lies inside the forbidden path '${named(path)}'; pick a cwd outside it or remove it from forbiddenPaths`,
        { workspace: named(workspace), forbiddenPath: named(path) },
      );
    }
    if (!existsSync(path)) continue;
    // Below the workspace or a hidden dir the sandbox's own mounts decide, not the host's modes.
    const ownMount = (dir: string) => within(dir, workspace) || hidden.some((h) => within(dir, h));
    if (options.user && blockingAncestor(path, options.user, ownMount)) continue;
    if (statSync(path).isDirectory()) args.push('--perms', '0000', '--tmpfs', path);
    else args.push('--ro-bind', '/dev/null', path);
  }
  if (options.user) {
    // The sandbox user must reach its cwd and rc dir through what the sandbox shows of the host.
    const inHidden = (dir: string) => hidden.some((h) => within(dir, h));
    for (const dir of [workspace, ...options.privateDirs]) {
      const blocked = blockingAncestor(dir, options.user, inHidden);
      if (blocked) throw unreachableError(options.user, resolve(dir), blocked, named);
    }
  }
  args.push(...kernelFsReadOnlyArgs());
  if (options.user) args.push('--unshare-user');
  // --as-pid-1: the program is PID 1 instead of bubblewrap's init, whose /proc/1/cmdline would
  // show this whole argv (workspace, home, forbidden paths) to every command.
  args.push('--unshare-pid', '--as-pid-1', '--unshare-ipc', '--unshare-uts');
  if (!spec.network) args.push('--unshare-net');
  if (options.newSession) args.push('--new-session');
  args.push('--die-with-parent', '--cap-drop', 'ALL', '--chdir', workspace, '--setenv', 'HOME', '/tmp');
  return args;
}
