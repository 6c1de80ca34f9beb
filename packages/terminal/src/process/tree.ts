// Process trees of a terminal: finding every process that belongs to it and killing all of them
// without leaving orphans. Membership is the root, its descendants by ppid, and every process in
// the root's session (a PTY shell is a session leader, so this also catches double-forked
// daemons that were reparented to init).
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { isDead, type ProcInfo, readProcStat } from './procfs';
import { nextSnapshot, type ProcSnapshot, takeSnapshot } from './snapshot';

export type { ProcInfo } from './procfs';

/** Options for {@link killProcessTree}. */
export interface KillTreeOptions {
  /** First signal sent to every process. Default `SIGTERM`. */
  signal?: NodeJS.Signals;
  /** Time survivors get to exit before SIGKILL. Default 1000 ms. */
  graceMs?: number;
  /** How long SIGKILL is retried before giving up with an error. Default 5000 ms. */
  killTimeoutMs?: number;
  /**
   * The root's start time (its {@link ProcInfo.startTime}, e.g. from {@link listProcessTree}), so
   * a reused pid is never killed.
   */
  rootStartTime?: number;
}

// 20 ms: short enough that kill() returns promptly, long enough not to spin on /proc.
const POLL_MS = 20;

/** Pids seen so far with their start times, so a reused pid is never mistaken for a member. */
type Tracked = Map<number, number>;

function scanTree(rootPid: number, tracked: Tracked, snapshot: ProcSnapshot): ProcInfo[] {
  const { byPid, children, bySession } = snapshot;
  const members = new Map<number, ProcInfo>();
  const queue: ProcInfo[] = [];
  const add = (p: ProcInfo | undefined): void => {
    if (!p || members.has(p.pid)) return;
    const knownStart = tracked.get(p.pid);
    if (knownStart !== undefined && knownStart !== p.startTime) return;
    members.set(p.pid, p);
    queue.push(p);
  };
  const root = byPid.get(rootPid);
  add(root);
  // Processes seen earlier stay members after their parent died and they were reparented.
  for (const pid of tracked.keys()) add(byPid.get(pid));
  // Linux never reuses a pid still in use as a session id, so the session is the root's unless
  // the pid now belongs to a different process; then the old session is already empty.
  if (!root || members.has(rootPid)) {
    for (const p of bySession.get(rootPid) ?? []) add(p);
  }
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i] as ProcInfo;
    for (const child of children.get(p.pid) ?? []) add(child);
  }
  for (const p of members.values()) tracked.set(p.pid, p.startTime);
  return [...members.values()];
}

function seed(rootPid: number, rootStartTime: number | undefined): Tracked {
  return rootStartTime === undefined ? new Map() : new Map([[rootPid, rootStartTime]]);
}

/**
 * The root process, all its descendants and every process in its session (root first). With
 * `rootStartTime`, a different process that reused the root's pid yields an empty list.
 */
export function listProcessTree(rootPid: number, rootStartTime?: number): ProcInfo[] {
  return scanTree(rootPid, seed(rootPid, rootStartTime), takeSnapshot());
}

/** The start time of a process (clock ticks after boot), to identify it across pid reuse. */
export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited meanwhile. EPERM: not ours to kill; the kill timeout reports it.
  }
}

/**
 * Signals every process of the tree, SIGKILLs survivors after `graceMs`, keeps re-scanning for
 * processes forked meanwhile, and resolves once none is alive (zombies count as dead).
 */
export async function killProcessTree(rootPid: number, options: KillTreeOptions = {}): Promise<void> {
  const signal = options.signal ?? 'SIGTERM';
  const graceMs = options.graceMs ?? 1000;
  const killTimeoutMs = options.killTimeoutMs ?? 5000;
  const tracked = seed(rootPid, options.rootStartTime);
  const signalled = new Set<string>();
  const started = Date.now();
  for (;;) {
    // Concurrent kills (a whole orchestrator shutting down) share each round's walk of /proc.
    const alive = scanTree(rootPid, tracked, await nextSnapshot()).filter((p) => !isDead(p));
    if (alive.length === 0) return;
    const elapsed = Date.now() - started;
    const escalate = elapsed >= graceMs;
    if (escalate && elapsed >= graceMs + killTimeoutMs) {
      const pids = alive.map((p) => `${p.pid} (${p.comm})`).join(', ');
      throw new OrchflowError(
        ErrorCode.InternalError,
        `Processes of tree ${rootPid} survived SIGKILL for ${killTimeoutMs} ms: ${pids}. ` +
          'They may belong to another user or be stuck in uninterruptible I/O; check them with ps.',
        { rootPid, survivors: alive.map((p) => p.pid) },
      );
    }
    for (const p of alive) {
      if (escalate) {
        sendSignal(p.pid, 'SIGKILL');
        continue;
      }
      const key = `${p.pid}:${p.startTime}`;
      if (signalled.has(key)) continue;
      signalled.add(key);
      sendSignal(p.pid, signal);
      // A stopped process (Ctrl-Z) would otherwise not act on SIGTERM until continued.
      if (p.state === 'T' || p.state === 't') sendSignal(p.pid, 'SIGCONT');
    }
    await delay(POLL_MS);
  }
}

/** The foreground process group of the terminal that `pid` is attached to, if any. */
export function foregroundProcessGroup(pid: number): number | undefined {
  const tpgid = readProcStat(pid)?.tpgid;
  return tpgid !== undefined && tpgid > 0 ? tpgid : undefined;
}
