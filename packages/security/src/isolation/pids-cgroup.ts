// `maxProcesses` for a root orchestrator. The kernel does not enforce RLIMIT_NPROC for uid 0
// (nor for a user namespace mapped onto it), so as root each terminal gets its own pids cgroup
// (v1 `pids` hierarchy or a v2 hierarchy with the pids controller) whose `pids.max` caps every
// task it starts. The shell joins the group before it execs (see `joinArgs`), so nothing escapes.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

const V1_ROOT = '/sys/fs/cgroup/pids';
const V2_ROOT = '/sys/fs/cgroup';

// A cgroup with tasks cannot be removed; the last ones may still be zombies for a moment.
const REMOVE_ATTEMPTS = 50;
const REMOVE_INTERVAL_MS = 20;

function ownCgroupPath(version: 1 | 2): string | undefined {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (version === 2 && id === '0' && controllers === '') return path;
    if (version === 1 && controllers?.split(',').includes('pids')) return path;
  }
  return undefined;
}

/** The directory new pids cgroups are created in, or undefined when none is writable here. */
export function pidsCgroupParent(): string | undefined {
  try {
    const v1 = ownCgroupPath(1);
    if (v1 !== undefined && existsSync(join(V1_ROOT, 'cgroup.procs'))) return join(V1_ROOT, v1);
    const v2 = ownCgroupPath(2);
    if (v2 !== undefined) {
      const dir = join(V2_ROOT, v2);
      const enabled = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
      if (enabled.includes('pids')) return dir;
    }
  } catch {
    // No cgroup filesystem we can read.
  }
  return undefined;
}

/** One terminal's pids cgroup. */
export class PidsCgroup {
  private removed = false;

  private constructor(readonly dir: string) {}

  /** Creates a cgroup capped at `max` tasks; throws SpawnFailed when no pids cgroup is writable. */
  static create(max: number): PidsCgroup {
    const parent = pidsCgroupParent();
    const dir = parent && join(parent, `orchflow-${randomUUID()}`);
    try {
      if (!dir)
        throw new Error('no pids cgroup hierarchy (v1 pids, or v2 with the pids controller enabled) found');
      mkdirSync(dir);
      writeFileSync(join(dir, 'pids.max'), String(max));
      return new PidsCgroup(dir);
    } catch (error) {
      if (dir) PidsCgroup.removeNow(dir);
      throw new OrchflowError(
        ErrorCode.SpawnFailed,
        `resourceLimits.maxProcesses cannot be enforced: orchflow runs as root, where RLIMIT_NPROC does not apply, and no writable pids cgroup is available (${(error as Error).message}). Run orchflow as a non-root user, give it a writable cgroup (e.g. a container with a delegated cgroup), or remove maxProcesses from the policy`,
        { maxProcesses: max },
      );
    }
  }

  /** argv prefix that moves the started process into this cgroup, then execs the rest. */
  joinArgs(): string[] {
    return ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir];
  }

  /** Removes the cgroup once its tasks are gone (retrying briefly); idempotent. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    let attempts = 0;
    const attempt = (): void => {
      if (PidsCgroup.removeNow(this.dir) || ++attempts >= REMOVE_ATTEMPTS) return;
      setTimeout(attempt, REMOVE_INTERVAL_MS).unref();
    };
    attempt();
  }

  private static removeNow(dir: string): boolean {
    try {
      rmdirSync(dir);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
  }
}
