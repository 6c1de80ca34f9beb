// Once per process: what containment this host gives terminals (for `initialize` capabilities
// and a warning when it is less than cgroups), and the reaping of what dead orchflow processes
// left behind, logged as a process warning so that it shows in the orchestrator's log.
import { type ContainmentKind, hostSupport } from './host';
import { type ReapReport, reapLeftovers } from './reaper';

/** The containment terminals get on this host. */
export interface HostContainment {
  /** `cgroup`: each terminal in its own cgroup, killed as a whole; `process-tree`: best effort. */
  kind: ContainmentKind;
  /** Why it is `process-tree`. */
  reason?: string;
  /** The directories terminal cgroups are made in (this process's own cgroup in each hierarchy used). */
  cgroupParents: string[];
  /** True when a terminal's tasks can be capped (`pids.max`; a root orchestrator's `maxProcesses`). */
  taskLimit: boolean;
  /** True when a terminal's memory can be capped as a whole (a memory cgroup; `maxMemoryMb`). */
  memoryLimit: boolean;
  /** True when terminals run with the orchestrator's fds closed (the launcher runs here). */
  fdHygiene: boolean;
  /** True when TIOCSTI/TIOCLINUX are denied to everything a terminal runs. */
  injectionGuard: boolean;
  /** Why the guard is missing. */
  injectionGuardReason?: string;
}

const warned = new Set<string>();

/** Emits `message` as a process warning (type OrchflowContainmentWarning) once per process. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`orchflow: ${message}`, 'OrchflowContainmentWarning');
}

/** What this host gives terminals (probed once; see host.ts). */
export function hostContainment(): HostContainment {
  const host = hostSupport();
  return {
    kind: host.cgroups ? 'cgroup' : 'process-tree',
    ...(host.cgroups ? {} : { reason: host.cgroupsMissing }),
    cgroupParents: host.cgroups
      ? [
          ...new Set(
            [host.cgroups.primary, host.cgroups.pids, host.cgroups.memory].flatMap((h) =>
              h ? [h.parent] : [],
            ),
          ),
        ]
      : [],
    taskLimit: host.cgroups?.pids !== undefined,
    memoryLimit: host.cgroups?.memory !== undefined,
    fdHygiene: host.launcher !== undefined,
    injectionGuard: host.injectionGuard,
    ...(host.injectionGuard ? {} : { injectionGuardReason: host.injectionGuardMissing }),
  };
}

function describe(report: ReapReport): string | undefined {
  const parts: string[] = [];
  if (report.cgroups.length > 0) {
    parts.push(
      `${report.cgroups.length} cgroup(s) (${report.cgroups.join(', ')}) with ${report.killed.length} process(es) killed${report.killed.length ? ` (${report.killed.join(', ')})` : ''}`,
    );
  }
  if (report.dirs.length > 0)
    parts.push(`${report.dirs.length} shell-integration dir(s) (${report.dirs.join(', ')})`);
  return parts.length > 0
    ? `reaped what orchflow processes that died left behind: ${parts.join('; ')}`
    : undefined;
}

let started: Promise<ReapReport> | undefined;

/**
 * Once per process: warns when containment is only best effort, then reaps leftovers of dead
 * orchflow processes and logs what it reaped. Resolves with what was reaped; never rejects.
 */
export function initContainment(): Promise<ReapReport> {
  started ??= (async () => {
    const host = hostContainment();
    if (host.kind === 'process-tree') {
      warnOnce(
        `terminal containment is process-tree only (${host.reason}): killing a terminal kills its session and process tree, but a process that left both (setsid, double fork) survives it`,
      );
    }
    const report = await reapLeftovers();
    const text = describe(report);
    if (text) process.emitWarning(`orchflow: ${text}`, 'OrchflowReapWarning');
    return report;
  })().catch(() => ({ cgroups: [], killed: [], dirs: [] }));
  return started;
}
