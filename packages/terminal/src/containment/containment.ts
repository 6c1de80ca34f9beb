// One terminal's containment: every process it runs is started through the launcher (no fd of
// the orchestrator, TIOCSTI/TIOCLINUX denied) into the terminal's own cgroup where the host has
// one, so killing the terminal kills all of them however they detached. Without cgroups it is the
// process tree and session (killProcessTree), which a `setsid` double fork leaves. See host.ts for
// what the host can do and docs/security.md for what holds where.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { errnoCode, resourceShortage } from '../host-failure';
import { type CgroupPlan, NoPidsHierarchy, TerminalCgroup } from './cgroup';
import {
  cgroupName,
  discoverHierarchies,
  ownerTag,
  persistentCgroupCreator,
  persistentCgroupName,
} from './cgroup-fs';
import { type ContainmentKind, candidatePlans, type HostSupport, hostSupport } from './host';
import { initContainment, warnOnce } from './init';
import type { LaunchArgv } from './launcher';

/** How a terminal asks to be contained. */
export interface ContainmentOptions {
  /** `auto` (default): a cgroup where the host can make one; `process-tree`: never. */
  mode?: 'auto' | 'process-tree';
  /**
   * Refuse to start (SpawnFailed) where the launcher cannot close the orchestrator's fds and deny
   * TIOCSTI — set for terminals under an isolating security policy. Otherwise they start without
   * and a warning is emitted once.
   */
  strict?: boolean;
  /** The processes may outlive this process (a tmux pane): the cgroup is never reaped for its owner's death. */
  persistent?: boolean;
}

/** A command to start, with the caps its isolation asks for. */
export interface ContainedCommand extends LaunchArgv {
  /** Cap on tasks (pids.max); needs a pids cgroup, else the start fails. */
  maxTasks?: number;
  /** Cap on the memory of the whole terminal, in bytes; without a memory cgroup, a warning. */
  maxMemoryBytes?: number;
}

// Terminal cgroups of this process by name, so an exiting process can kill them synchronously
// and an interrupt can find a shell's cgroup from /proc/<pid>/cgroup.
const live = new Map<string, { cgroup: TerminalCgroup; persistent: boolean }>();
let exitHookInstalled = false;

function track(name: string, cgroup: TerminalCgroup, persistent: boolean): void {
  live.set(name, { cgroup, persistent });
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An orchestrator that exits without shutdown() takes its terminals along; tmux panes stay.
  process.once('exit', () => {
    for (const entry of live.values()) if (!entry.persistent) entry.cgroup.killSync();
  });
}

function spawnFailed(message: string, data: Record<string, unknown>, cause: Error): OrchflowError {
  return new OrchflowError(ErrorCode.SpawnFailed, message, data, { cause });
}

/** A terminal's containment: its launcher steps and, where there is one, its cgroup. */
export class Containment {
  private constructor(
    /** `cgroup` or `process-tree`. */
    readonly kind: ContainmentKind,
    private readonly host: HostSupport,
    private readonly options: ContainmentOptions,
    private readonly cgroup: TerminalCgroup | undefined,
    private readonly name: string | undefined,
  ) {}

  /** Containment for a new terminal on `host`; throws SpawnFailed when `strict` cannot be met. */
  static create(options: ContainmentOptions = {}, host: HostSupport = hostSupport()): Containment {
    // Terminals spawned without an Orchestrator reap what a dead predecessor left too.
    void initContainment();
    for (const problem of host.ignoredSettings ?? []) warnOnce(problem);
    const policyHint = "or run the terminal without an isolating security policy (isolationLevel 'none')";
    if (!host.launcher) {
      if (options.strict) {
        // What the host said (the launcher's install path, what it printed) is for an
        // in-process caller only: a SpawnFailed reaches remote clients unchanged.
        const reason = host.launcherMissingForCaller ?? "it cannot be used on the server's host";
        throw spawnFailed(
          `The security policy needs orchflow's launcher (it closes the orchestrator's file descriptors and blocks TIOCSTI) but ${reason}; ${policyHint}`,
          { reason },
          new Error(host.launcherMissing),
        );
      }
      warnOnce(`terminals start without fd hygiene or the TIOCSTI guard: ${host.launcherMissing}`);
    } else if (host.launcherFallback) {
      warnOnce(
        `terminals start through perl's launcher, a few ms slower per process: ${host.launcherFallback}`,
      );
    }
    if (host.launcher && !host.injectionGuard) {
      if (options.strict) {
        const reason = host.injectionGuardMissingForCaller ?? 'the launcher failed to install it';
        throw spawnFailed(
          `The security policy needs TIOCSTI/TIOCLINUX blocked, but the seccomp filter cannot be installed here: ${reason}; ${policyHint}, or set the sysctl dev.tty.legacy_tiocsti=0 and use a kernel with seccomp`,
          { reason },
          new Error(host.injectionGuardMissing),
        );
      }
      warnOnce(`terminals start without the TIOCSTI guard: ${host.injectionGuardMissing}`);
    }
    if (options.mode === 'process-tree' || !host.cgroups)
      return new Containment('process-tree', host, options, undefined, undefined);
    const owner = ownerTag();
    if (!owner) return new Containment('process-tree', host, options, undefined, undefined);
    const name = options.persistent ? persistentCgroupName(owner) : cgroupName(owner);
    let cgroup: TerminalCgroup;
    try {
      cgroup = TerminalCgroup.create(host.cgroups, name);
    } catch (error) {
      warnOnce(`a terminal falls back to process-tree containment: ${(error as Error).message}`);
      return new Containment('process-tree', host, options, undefined, undefined);
    }
    track(name, cgroup, options.persistent === true);
    return new Containment('cgroup', host, options, cgroup, name);
  }

  /**
   * The containment of a shell that already runs (a tmux pane re-adopted after a restart): its
   * persistent cgroup, found from /proc/<pid>/cgroup; process-tree when it has none here. The
   * pane may have been made under another plan than this process's (another version, another
   * ORCHFLOW_CONTAINMENT): the cgroup is looked for in each plan this host offers.
   */
  static adopt(pid: number, host: HostSupport = hostSupport()): Containment {
    let name: string | undefined;
    try {
      name = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
        .split('\n')
        .map((line) => line.slice(line.lastIndexOf('/') + 1))
        .find((n) => persistentCgroupCreator(n) !== undefined);
    } catch {
      // The shell is gone.
    }
    const plan = name && host.cgroups ? planHolding(name, host.cgroups) : undefined;
    if (!plan || !name)
      return new Containment('process-tree', host, { persistent: true }, undefined, undefined);
    const dirs = [plan.primary.parent, ...(plan.pids && plan.pids !== plan.primary ? [plan.pids.parent] : [])]
      .map((parent) => join(parent, name as string))
      .filter((dir, i) => i === 0 || existsSync(dir));
    // A memory cgroup exists only where a cap was set.
    const memory = plan.memory && join(plan.memory.parent, name);
    if (memory && !dirs.includes(memory) && existsSync(memory)) dirs.push(memory);
    const cgroup = TerminalCgroup.adopt(plan, dirs);
    track(name, cgroup, true);
    return new Containment('cgroup', host, { persistent: true }, cgroup, name);
  }

  /** True when what this terminal runs cannot use TIOCSTI/TIOCLINUX. */
  get injectionGuard(): boolean {
    return this.host.launcher !== undefined && this.host.injectionGuard;
  }

  /**
   * `command` started through the launcher (unchanged where there is none). Throws SpawnFailed
   * when its `maxTasks` cannot be enforced.
   */
  wrap(command: ContainedCommand): LaunchArgv {
    const { file, args, env, maxTasks, maxMemoryBytes } = command;
    if (maxTasks !== undefined) this.limitTasks(maxTasks);
    if (maxMemoryBytes !== undefined) this.limitMemory(maxMemoryBytes);
    const target = { file, args, env };
    if (!this.host.launcher) return target;
    return this.host.launcher.wrap(target, {
      cgroupFiles: this.cgroup?.joinFiles ?? [],
      injectionGuard: this.host.injectionGuard,
    });
  }

  /** Pids of the processes in the terminal's cgroup (empty for process-tree containment). */
  members(): number[] {
    return this.cgroup?.members() ?? [];
  }

  /** SIGKILLs every process in the cgroup; the cgroup stays for the next command. */
  async killAll(): Promise<void> {
    await this.cgroup?.kill();
  }

  /** SIGKILLs every process in the cgroup and removes it; idempotent. */
  async destroy(): Promise<void> {
    if (!this.cgroup || !this.name) return;
    await this.cgroup.destroy();
    live.delete(this.name);
  }

  // Best effort, unlike the task cap: every process keeps its RLIMIT_AS, and refusing to spawn
  // would take `maxMemoryMb` away from every host without a writable memory cgroup (most
  // non-root setups on cgroup v1).
  private limitMemory(bytes: number): void {
    try {
      if (!this.cgroup) throw new Error(this.host.cgroupsMissing ?? 'this terminal has no cgroup');
      this.cgroup.setMaxMemory(bytes);
    } catch (error) {
      warnOnce(
        `resourceLimits.maxMemoryMb caps each process only, not a terminal as a whole: no writable memory cgroup (${(error as Error).message})`,
      );
    }
  }

  private limitTasks(max: number): void {
    try {
      if (!this.cgroup) throw new NoCgroup(this.host.cgroupsMissing ?? 'this terminal has no cgroup');
      this.cgroup.setMaxTasks(max);
    } catch (error) {
      throw new OrchflowError(
        ErrorCode.SpawnFailed,
        `resourceLimits.maxProcesses cannot be enforced: orchflow runs as root, where RLIMIT_NPROC does not apply, and no writable pids cgroup is available (${pidsCgroupFailure(error)}). Run orchflow as a non-root user, give it a writable cgroup (e.g. a container with a delegated cgroup), or remove maxProcesses from the policy`,
        { maxProcesses: max, mode: this.options.mode ?? 'auto' },
        // What the host said (cgroup paths, the OS error) is for an in-process caller only.
        { cause: error },
      );
    }
  }
}

/** The terminal has no cgroup; the message is why the host has none (it may name cgroup paths). */
class NoCgroup extends Error {
  override readonly name = 'NoCgroup';
}

/**
 * Why the task cap could not be set, for the caller: a SpawnFailed reaches remote clients
 * unchanged, so this names the failure by its error code, never the cgroup directories or the
 * OS error that quotes them (see host-failure.ts).
 */
function pidsCgroupFailure(error: unknown): string {
  if (error instanceof NoCgroup)
    return "the server's host gives this terminal no cgroup: none is mounted, delegated to the server's user or usable by it (hostContainment().reason on the server says which)";
  if (error instanceof NoPidsHierarchy) return error.message;
  const code = errnoCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `the terminal's pids.max may not be written (${code}): the cgroup is not delegated to the server's user, or the pids controller is not enabled in it`;
    case 'EROFS':
      return 'the cgroup file system is mounted read-only (EROFS), as in a container that is not given its cgroup';
    case 'ENOENT':
      return "the terminal's cgroup has no pids.max (ENOENT): the pids controller is not enabled in it";
    default:
      return (
        resourceShortage(code) ??
        `the terminal's pids.max could not be written (${code ?? 'an unexpected error'})`
      );
  }
}

/** Members of the cgroup of this process's terminal that `pid` is in (empty when none). */
export function cgroupPeersOf(pid: number): number[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    const name = line.slice(line.lastIndexOf('/') + 1);
    const entry = live.get(name);
    if (entry) return entry.cgroup.members();
  }
  return [];
}

/**
 * `command` run through the launcher for fd hygiene only (no cgroup, no seccomp filter): for
 * helper processes the orchestrator starts itself, such as a tmux server, which would otherwise
 * inherit node-pty's PTY masters and keep those terminals open. Unchanged where there is no launcher.
 */
export function withoutInheritedFds(command: LaunchArgv): LaunchArgv {
  const host = hostSupport();
  return host.launcher ? host.launcher.wrap(command, { cgroupFiles: [], injectionGuard: false }) : command;
}

/**
 * The plan whose primary hierarchy holds the cgroup `name`: `preferred` (this process's), else
 * another this host offers; a v2 cgroup without `cgroup.kill` is killed in SIGKILL rounds.
 */
function planHolding(name: string, preferred: CgroupPlan): CgroupPlan | undefined {
  const others = candidatePlans(discoverHierarchies(), 'auto').filter(
    (plan) => plan.primary.parent !== preferred.primary.parent,
  );
  const plan = [preferred, ...others].find((p) => existsSync(join(p.primary.parent, name)));
  if (plan?.method === 'cgroup.kill' && !existsSync(join(plan.primary.parent, name, 'cgroup.kill')))
    return { ...plan, method: 'signal' };
  return plan;
}
