// Resource use of a terminal's process tree (CPU, resident memory, process count) from /proc.
// CPU is a difference between two samples, so the sampler keeps the previous one per tree.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { ProcessMetrics } from '@orchflow/protocol';
import { readProcStat } from './procfs';
import { listProcessTree } from './tree';

// USER_HZ is fixed at 100 by the kernel ABI on every architecture node-pty supports.
const CLOCK_TICKS_PER_SECOND = 100;

let cachedPageSize: number | undefined;

/** The kernel page size, read once from /proc/self/smaps (4096 when unavailable). */
function pageSize(): number {
  if (cachedPageSize !== undefined) return cachedPageSize;
  cachedPageSize = 4096;
  try {
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, null);
      const kb = /KernelPageSize:\s+(\d+) kB/.exec(buf.toString('utf8', 0, n))?.[1];
      if (kb) cachedPageSize = Number(kb) * 1024;
    } finally {
      closeSync(fd);
    }
  } catch {
    // Keep the default: no procfs smaps (hardened kernel); 4 KiB is right almost everywhere.
  }
  return cachedPageSize;
}

function uptimeTicks(): number {
  const seconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return seconds * CLOCK_TICKS_PER_SECOND;
}

// Before the first sample: one empty map for every sampler (most terminals are never sampled).
const NO_TICKS: ReadonlyMap<string, number> = new Map();

/** Samples {@link ProcessMetrics} of one process tree; CPU is measured since the previous sample. */
export class ProcessMetricsSampler {
  /** CPU ticks per process at the previous sample, keyed by pid and start time. */
  private previousTicks: ReadonlyMap<string, number> = NO_TICKS;
  private previousAt: bigint | undefined;

  /**
   * Samples the tree rooted at `rootPid` (the root, its descendants and its session), plus the
   * processes `members` returns (a terminal's cgroup: also those that left the tree). A root of 0
   * samples only the members.
   */
  constructor(
    readonly rootPid: number,
    private readonly members?: () => readonly number[],
  ) {}

  /**
   * Current metrics. The first sample reports CPU averaged over the root's lifetime (like `ps`);
   * later ones report CPU since the previous call, in percent of one core.
   */
  sample(): ProcessMetrics {
    const now = process.hrtime.bigint();
    const tree = this.rootPid > 0 ? listProcessTree(this.rootPid) : [];
    const seen = new Set(tree.map((p) => p.pid));
    for (const pid of this.members?.() ?? []) {
      if (seen.has(pid)) continue;
      const info = readProcStat(pid);
      if (info) tree.push(info);
      seen.add(pid);
    }
    const ticks = new Map<string, number>();
    let deltaTicks = 0;
    let rssPages = 0;
    for (const p of tree) {
      const key = `${p.pid}:${p.startTime}`;
      const total = p.utime + p.stime;
      ticks.set(key, total);
      deltaTicks += total - (this.previousTicks.get(key) ?? 0);
      rssPages += p.rssPages;
    }
    let elapsedTicks: number;
    if (this.previousAt === undefined) {
      const root = tree.find((p) => p.pid === this.rootPid);
      elapsedTicks = root ? uptimeTicks() - root.startTime : 0;
    } else {
      elapsedTicks = (Number(now - this.previousAt) / 1e9) * CLOCK_TICKS_PER_SECOND;
    }
    this.previousTicks = ticks;
    this.previousAt = now;
    const cpuPercent = elapsedTicks > 0 ? Math.max(0, (deltaTicks / elapsedTicks) * 100) : 0;
    return { cpuPercent, rssBytes: rssPages * pageSize(), processCount: tree.length };
  }
}
