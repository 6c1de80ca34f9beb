// Reaping what an orchflow process that died without shutting down (SIGKILL, OOM, power cut of
// its container) left behind: the cgroups of its terminals — with any process still in them, e.g.
// a `nohup` job — and its terminals' shell-integration directories (in the temp dir or /dev/shm,
// see shell-integration/base-dir). Each carries its owner (pid and start time, see ownerTag), and
// only what belongs to an owner that no longer runs is touched. Cgroups of persistent terminals
// (tmux panes) have no owner: they are removed once empty, never killed.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHELL_DIR_PREFIX, shellDirBases } from '../shell-integration/base-dir';
import { type CgroupPlan, rmdirQuietly, TerminalCgroup } from './cgroup';
import {
  type CgroupHierarchy,
  cgroupOwner,
  discoverHierarchies,
  ownerAlive,
  ownerTag,
  persistentCgroupCreator,
} from './cgroup-fs';

/** File in a terminal's shell-integration directory naming the process that owns it. */
export const OWNER_FILE = '.orchflow-owner';

/** What {@link reapLeftovers} removed. */
export interface ReapReport {
  /** Cgroup directories removed. */
  cgroups: string[];
  /** Pids killed in them. */
  killed: number[];
  /** Shell-integration directories removed. */
  dirs: string[];
}

/**
 * Marks `dir` (a terminal's shell-integration directory) as owned by this process, so that a
 * later process can remove it if this one dies without cleaning up.
 */
export function markOwned(dir: string): void {
  const tag = ownerTag();
  if (tag) writeFileSync(join(dir, OWNER_FILE), tag, { mode: 0o600 });
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function killPlan(hierarchy: CgroupHierarchy, dir: string): CgroupPlan {
  if (hierarchy.version === 2) {
    const method = entries(dir).includes('cgroup.kill') ? 'cgroup.kill' : 'signal';
    return { primary: hierarchy, method };
  }
  return { primary: hierarchy, method: hierarchy.controllers.includes('freezer') ? 'freezer' : 'signal' };
}

async function reapCgroups(report: ReapReport, hierarchies: readonly CgroupHierarchy[]): Promise<void> {
  const orphans = new Map<string, { hierarchy: CgroupHierarchy; dir: string }[]>();
  for (const hierarchy of hierarchies) {
    for (const name of entries(hierarchy.parent)) {
      const dir = join(hierarchy.parent, name);
      const creator = persistentCgroupCreator(name);
      if (creator !== undefined) {
        // rmdir fails on a cgroup with members: only an empty one goes.
        if (!ownerAlive(creator) && rmdirQuietly(dir)) report.cgroups.push(dir);
        continue;
      }
      const owner = cgroupOwner(name);
      if (owner === undefined || ownerAlive(owner)) continue;
      orphans.set(name, [...(orphans.get(name) ?? []), { hierarchy, dir }]);
    }
  }
  for (const places of orphans.values()) {
    // Kill through the hierarchy that kills best; every hierarchy holds the same processes.
    const rank = (p: { hierarchy: CgroupHierarchy; dir: string }): number => {
      const method = killPlan(p.hierarchy, p.dir).method;
      return method === 'cgroup.kill' ? 0 : method === 'freezer' ? 1 : 2;
    };
    places.sort((a, b) => rank(a) - rank(b));
    const first = places[0] as { hierarchy: CgroupHierarchy; dir: string };
    const cgroup = TerminalCgroup.adopt(
      killPlan(first.hierarchy, first.dir),
      places.map((p) => p.dir),
    );
    report.killed.push(...cgroup.members());
    try {
      await cgroup.destroy();
      report.cgroups.push(...places.map((p) => p.dir).filter((dir) => !existsSync(dir)));
    } catch {
      // Survivors in uninterruptible sleep: the next start tries again.
    }
  }
}

function reapShellDirs(report: ReapReport, base: string): void {
  const uid = process.getuid?.();
  for (const name of entries(base)) {
    if (!name.startsWith(SHELL_DIR_PREFIX)) continue;
    const dir = join(base, name);
    let owner: string;
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue;
      owner = readFileSync(join(dir, OWNER_FILE), 'utf8').trim();
    } catch {
      // No owner file: a tmux pane's directory (it outlives orchflow) or one from an older version.
      continue;
    }
    if (ownerAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
    report.dirs.push(dir);
  }
}

/** Where {@link reapLeftovers} looks. */
export interface ReapOptions {
  /** Hierarchies whose `parent` directories are searched. Default: this process's own cgroups. */
  hierarchies?: readonly CgroupHierarchy[];
  /** Directory searched for shell-integration directories. Default: `os.tmpdir()` and /dev/shm. */
  tmpDir?: string;
}

/**
 * Kills and removes what orchflow processes that died without shutting down left behind: their
 * terminals' cgroups (with any process still in them) in this process's cgroup hierarchies, and
 * their shell-integration directories in `os.tmpdir()` and /dev/shm. Only what belongs to an
 * owner that no longer runs is touched; cgroups of persistent terminals (tmux panes) are removed
 * once empty, never killed.
 */
export function reapLeftovers(): Promise<ReapReport>;
/** @internal Searches where `options` say instead (tests). */
export function reapLeftovers(options: ReapOptions): Promise<ReapReport>;
export async function reapLeftovers(options: ReapOptions = {}): Promise<ReapReport> {
  const report: ReapReport = { cgroups: [], killed: [], dirs: [] };
  try {
    await reapCgroups(report, options.hierarchies ?? discoverHierarchies());
  } catch {
    // No cgroup filesystem to read: nothing of ours can be there either.
  }
  for (const base of options.tmpDir ? [options.tmpDir] : shellDirBases()) reapShellDirs(report, base);
  return report;
}
