// Finding the cgroup hierarchies a terminal's cgroup can be made in, and naming those cgroups so a
// later process can tell whose they are. Hierarchies come from /proc/self/mountinfo (v1 `cgroup`
// mounts with their controllers, the v2 `cgroup2` mount — also the `unified` one of a hybrid
// setup) and this process's own place in each from /proc/self/cgroup: terminal cgroups are made
// as children of the orchestrator's own cgroup, which is what a delegated subtree allows.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcStat } from '../process/procfs';

/** One mounted cgroup hierarchy and where this process sits in it. */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** v1: the mount's controllers; v2: the controllers enabled for children of `parent`. */
  controllers: readonly string[];
  /** This process's own cgroup in the hierarchy: where terminal cgroups are created. */
  parent: string;
  /**
   * v2 mounted with `favordynmods` (Linux ≥ 6.0): moving a process into one of its cgroups does
   * not wait for an RCU grace period (see `TerminalCgroup.joinFiles`).
   */
  favordynmods?: boolean;
}

interface MountLine {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function mounts(): MountLine[] {
  const out: MountLine[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType = '', , superOpts = ''] = right.split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const unoctal = (s: string): string =>
      s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
    out.push({
      root: unoctal(fields[3] ?? '/'),
      mountPoint: unoctal(fields[4] ?? ''),
      fsType,
      superOptions: superOpts.split(','),
    });
  }
  return out;
}

/** This process's cgroup lines: v1 controller set (`''` for v2) → path. */
function ownCgroups(): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    own.set(line.slice(first + 1, second), line.slice(second + 1));
  }
  return own;
}

function within(mount: MountLine, path: string): string | undefined {
  if (mount.root === '/') return join(mount.mountPoint, path);
  if (path === mount.root || path.startsWith(`${mount.root}/`)) {
    return join(mount.mountPoint, path.slice(mount.root.length));
  }
  return undefined;
}

// Mount options that are not controllers.
const NON_CONTROLLERS = new Set(['rw', 'ro', 'relatime', 'noexec', 'nosuid', 'nodev', 'clone_children']);

/** The hierarchies mounted here, each with this process's cgroup directory in it. */
export function discoverHierarchies(): CgroupHierarchy[] {
  const own = ownCgroups();
  const found: CgroupHierarchy[] = [];
  const seen = new Set<string>();
  for (const mount of mounts()) {
    let parent: string | undefined;
    let controllers: string[];
    if (mount.fsType === 'cgroup2') {
      const path = own.get('');
      parent = path === undefined ? undefined : within(mount, path);
      controllers = parent ? readWords(join(parent, 'cgroup.subtree_control')) : [];
    } else {
      controllers = mount.superOptions.filter((o) => !NON_CONTROLLERS.has(o) && !o.includes('='));
      if (controllers.length === 0) continue;
      const key = [...own.keys()].find((k) => {
        const set = k.split(',');
        return controllers.every((c) => set.includes(c));
      });
      parent = key === undefined ? undefined : within(mount, own.get(key) ?? '/');
    }
    if (!parent || seen.has(parent) || !existsSync(join(parent, 'cgroup.procs'))) continue;
    seen.add(parent);
    if (mount.fsType === 'cgroup2') {
      found.push({
        version: 2,
        controllers,
        parent,
        favordynmods: mount.superOptions.includes('favordynmods'),
      });
    } else found.push({ version: 1, controllers, parent });
  }
  return found;
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

// This process's tag: read once, as its start time never changes (every spawn asks for it).
let ownTag: string | undefined;

/** Identifies a process (default: this one) across pid reuse: `<pid>-<start time in clock ticks>`. */
export function ownerTag(pid = process.pid): string | undefined {
  if (pid === process.pid && ownTag) return ownTag;
  const start = readProcStat(pid)?.startTime;
  const tag = start === undefined ? undefined : `${pid}-${start}`;
  if (pid === process.pid) ownTag = tag;
  return tag;
}

/** True while the process a tag from {@link ownerTag} names is alive. */
export function ownerAlive(tag: string): boolean {
  const [pid, start] = tag.split('-').map(Number);
  if (!pid || start === undefined) return false;
  const info = readProcStat(pid);
  return info !== undefined && info.startTime === start && info.state !== 'Z';
}

/** Name of a terminal's cgroup: `orchflow-<owner pid>-<owner start>-<random>`. */
export function cgroupName(owner: string): string {
  return `orchflow-${owner}-${randomBytes(6).toString('hex')}`;
}

/**
 * Name of the cgroup of a terminal whose processes may outlive this process (a tmux pane):
 * `orchflow-p-<creator>-<random>`. It is never killed for its creator's death, only removed once
 * empty after the creator is gone (while the creator runs, the cgroup may be empty because the
 * launcher has not joined it yet).
 */
export function persistentCgroupName(creator: string): string {
  return `orchflow-p-${creator}-${randomBytes(6).toString('hex')}`;
}

/** The creator tag in a name from {@link persistentCgroupName}, or undefined for other names. */
export function persistentCgroupCreator(name: string): string | undefined {
  return /^orchflow-p-(\d+-\d+)-[0-9a-f]{12}$/.exec(name)?.[1];
}

const NAME = /^orchflow-(\d+-\d+)-[0-9a-f]{12}$/;

/** The owner tag in a terminal cgroup's name, or undefined for any other directory. */
export function cgroupOwner(name: string): string | undefined {
  return NAME.exec(name)?.[1];
}
