// Turns an IsolationSpec into the launch wrapper a terminal starts its shell with. Every level
// above `none` scrubs the environment; `process` chains prlimit → (unshare --net) → setpriv
// --no-new-privs → shell, each exec'ing the next so the shell keeps the PTY child's pid, session
// and process group; `sandbox` puts bubblewrap between the limits and the shell (as root, after a
// drop to an unprivileged sandbox user, see sandbox-drop.ts); `container` runs
// the shell through docker/podman. Missing tools fail the spawn — never a silent downgrade.
import { randomUUID } from 'node:crypto';
import { containerRunArgs, removeContainer, requireContainerEngine } from './container';
import { scrubEnv } from './environment';
import { isRoot, prlimitArgs } from './limits';
import { netnsArgs } from './network';
import { bwrapArgs, sandboxPathNames } from './sandbox';
import { resolveSandboxUser, sandboxDropArgs, stagedSources } from './sandbox-user';
import { requireTool } from './tools';
import type { IsolationSpec, LaunchCommand, LaunchTarget, LaunchWrapper } from './types';

/** How the terminal runs its shell. */
export interface LaunchWrapperOptions {
  /** True for a PTY shell (interactive), false for scripted mode's `shell -c` per command. */
  pty: boolean;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** The caps a terminal's cgroups enforce (see LaunchCommand). */
type CgroupCaps = Pick<LaunchCommand, 'maxTasks' | 'maxMemoryBytes'>;

/**
 * The prlimit prefix, and the caps for the terminal's cgroups: as root RLIMIT_NPROC is not
 * enforced, so `maxProcesses` becomes `maxTasks`, which the terminal's containment enforces with
 * `pids.max` (or refuses to spawn without a pids cgroup); `maxMemoryMb`, per process through
 * RLIMIT_AS, also caps the whole terminal through its memory cgroup.
 */
function limitedPrefix(spec: IsolationSpec, purpose: string): { argv: string[]; caps: CgroupCaps } {
  const prlimit = requireTool('prlimit', purpose);
  const root = isRoot();
  const { maxProcesses, maxMemoryMb } = spec.limits;
  const argv = [prlimit, ...prlimitArgs(spec.limits, !root), '--'];
  const caps: CgroupCaps = {};
  if (root && maxProcesses !== undefined) caps.maxTasks = maxProcesses;
  if (maxMemoryMb !== undefined) caps.maxMemoryBytes = maxMemoryMb * 1024 * 1024;
  return { argv, caps };
}

function processLevel(spec: IsolationSpec, target: LaunchTarget, env: Record<string, string>): LaunchCommand {
  const purpose = "isolationLevel 'process'";
  const setpriv = requireTool('setpriv', purpose);
  const net = spec.network ? [] : netnsArgs();
  const { argv, caps } = limitedPrefix(spec, purpose);
  const full = [...argv, ...net, setpriv, '--no-new-privs', '--', target.file, ...target.args];
  return { file: full[0] as string, args: full.slice(1), env, ...caps };
}

function sandboxLevel(
  spec: IsolationSpec,
  target: LaunchTarget,
  env: Record<string, string>,
  pty: boolean,
): LaunchCommand {
  const purpose = "isolationLevel 'sandbox'";
  const bwrap = requireTool('bwrap', purpose);
  const setpriv = requireTool('setpriv', purpose);
  // As root, the sandbox runs as an unprivileged user (never uid 0): see sandbox-drop.ts.
  const user = isRoot() ? resolveSandboxUser(spec.sandboxUser) : undefined;
  const named = sandboxPathNames({ ...spec, workspace: target.cwd }, target.givenCwd);
  const sandbox = bwrapArgs(
    { ...spec, workspace: target.cwd },
    {
      privateDirs: target.privateDirs,
      newSession: !pty,
      user,
      sources: user && stagedSources(target.cwd, target.privateDirs),
      named,
    },
  );
  const drop = user ? sandboxDropArgs(user, target.cwd, target.privateDirs, purpose, named) : [];
  const { argv, caps } = limitedPrefix(spec, purpose);
  const full = [
    ...argv,
    ...drop,
    bwrap,
    ...sandbox,
    '--',
    setpriv,
    '--no-new-privs',
    '--',
    target.file,
    ...target.args,
  ];
  return { file: full[0] as string, args: full.slice(1), env, ...caps };
}

function containerLevel(
  spec: IsolationSpec,
  target: LaunchTarget,
  env: Record<string, string>,
  pty: boolean,
): LaunchCommand {
  const { path } = requireContainerEngine();
  const name = `orchflow-${randomUUID()}`;
  const args = containerRunArgs(
    { ...spec, workspace: target.cwd },
    { name, command: [target.file, ...target.args], env, readOnlyDirs: target.privateDirs, tty: pty },
  );
  // The engine's client keeps what it needs to find its engine; the shell's env goes in via `-e`.
  const clientEnv = scrubEnv(target.env, [
    'DOCKER_HOST',
    'DOCKER_CONFIG',
    'CONTAINER_HOST',
    'XDG_RUNTIME_DIR',
  ]);
  return { file: path, args, env: clientEnv, dispose: once(() => removeContainer(path, name)) };
}

/** The launch wrapper for `spec` (level `none`: unchanged, or only in a network namespace). */
export function createLaunchWrapper(spec: IsolationSpec, options: LaunchWrapperOptions): LaunchWrapper {
  return {
    level: spec.level,
    wrap(target: LaunchTarget): LaunchCommand {
      if (spec.level === 'none') {
        // No isolation asked for, but network `deny` is still enforced: a fresh network namespace.
        const net = spec.network ? [] : netnsArgs();
        const full = [...net, target.file, ...target.args];
        return { file: full[0] as string, args: full.slice(1), env: target.env };
      }
      const env = scrubEnv(target.env, spec.keepEnv);
      switch (spec.level) {
        case 'process':
          return processLevel(spec, target, env);
        case 'sandbox':
          return sandboxLevel(spec, target, env, options.pty);
        case 'container':
          return containerLevel(spec, target, env, options.pty);
      }
    },
  };
}
