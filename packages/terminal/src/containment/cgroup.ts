// One terminal's cgroup: a directory in each hierarchy the plan uses (one that can kill — v2 with
// `cgroup.kill`, or the v1 freezer — plus a pids hierarchy for `pids.max`, and a memory one made
// only when a memory cap is set), joined by the launcher before it execs, so every process the
// terminal starts is inside whatever it does.
// Killing it takes every member at once: `cgroup.kill` on v2; on v1 freeze (no member can fork
// or act any more), SIGKILL each, thaw. Without either, SIGKILL is repeated until it is empty.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { CgroupHierarchy } from './cgroup-fs';

/** How a cgroup's members are killed. */
export type KillMethod = 'cgroup.kill' | 'freezer' | 'signal';

/** The file a process joins a cgroup through, by cgroup version (see `joinFiles`). */
const JOIN_FILES = { 1: 'tasks', 2: 'cgroup.procs' } as const;

/** Which hierarchies terminal cgroups are made in. */
export interface CgroupPlan {
  /** The hierarchy whose members are listed and killed. */
  primary: CgroupHierarchy;
  method: KillMethod;
  /** A hierarchy with the pids controller (may be `primary`), for `pids.max`. */
  pids?: CgroupHierarchy;
  /** A hierarchy with the memory controller (may be `primary`), for a terminal-wide memory cap. */
  memory?: CgroupHierarchy;
}

// Polling while a freeze settles and killed members exit: short, these take microseconds.
const POLL_MS = 5;
/** How long the members may take to disappear after SIGKILL before kill() reports them. */
const KILL_TIMEOUT_MS = 5000;
/** How long a v1 freeze may stay FREEZING (a member in uninterruptible sleep) before SIGKILL anyway. */
const FREEZE_WAIT_MS = 500;
/** The same while the process exits ({@link TerminalCgroup.killSync}), where waiting blocks. */
const EXIT_FREEZE_WAIT_MS = 20;

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function sigkill(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: gone meanwhile.
    }
  }
}

/** The plan has no pids hierarchy: the message says so, and names no path. */
export class NoPidsHierarchy extends Error {
  override readonly name = 'NoPidsHierarchy';
}

/** A terminal's cgroup (one directory per hierarchy of its plan). */
export class TerminalCgroup {
  private removed = false;
  private limited = false;

  private constructor(
    private readonly plan: CgroupPlan,
    /** The directory in the primary hierarchy. */
    readonly dir: string,
    /** Every directory, primary first (a memory directory is added when a cap is set). */
    private readonly allDirs: string[],
    /** The cgroup version of each of `allDirs` (for how the launcher joins it). */
    private readonly versions: Array<1 | 2>,
  ) {}

  /** Every directory, primary first. */
  get dirs(): readonly string[] {
    return this.allDirs;
  }

  /** Makes the directories named `name`; throws (plain Error) when one cannot be made. */
  static create(plan: CgroupPlan, name: string): TerminalCgroup {
    const hierarchies = [plan.primary];
    if (plan.pids && plan.pids !== plan.primary) hierarchies.push(plan.pids);
    const dirs: string[] = [];
    try {
      for (const { parent } of hierarchies) {
        const dir = join(parent, name);
        mkdirSync(dir);
        dirs.push(dir);
      }
    } catch (error) {
      for (const dir of dirs) rmdirQuietly(dir);
      throw error;
    }
    return new TerminalCgroup(
      plan,
      dirs[0] as string,
      dirs,
      hierarchies.map((h) => h.version),
    );
  }

  /** A cgroup found on disk (a leftover), to be killed with `plan`'s method and removed. */
  static adopt(plan: CgroupPlan, dirs: readonly string[]): TerminalCgroup {
    return new TerminalCgroup(plan, dirs[0] as string, [...dirs], []);
  }

  /** Caps the tasks (processes and threads) in the cgroup; throws when there is no pids hierarchy. */
  setMaxTasks(max: number): void {
    const dir = this.plan.pids && this.allDirs[this.plan.pids === this.plan.primary ? 0 : 1];
    if (!dir)
      throw new NoPidsHierarchy('no pids cgroup hierarchy (v1 pids, or v2 with the pids controller enabled)');
    writeFileSync(join(dir, 'pids.max'), String(max));
    this.limited = true;
  }

  /**
   * Caps the memory of all members together (tmpfs pages they write included), without swap
   * beyond it: `memory.max` and `memory.swap.max` = 0 on v2, `memory.limit_in_bytes` and
   * `memory.memsw.limit_in_bytes` on v1. Throws when there is no memory hierarchy or the
   * directory cannot be made.
   */
  setMaxMemory(bytes: number): void {
    const memory = this.plan.memory;
    if (!memory)
      throw new Error('no memory cgroup hierarchy (v1 memory, or v2 with the memory controller enabled)');
    const dir = join(memory.parent, basename(this.dir));
    if (!this.allDirs.includes(dir)) {
      mkdirSync(dir);
      this.allDirs.push(dir);
      this.versions.push(memory.version);
    }
    if (memory.version === 2) {
      writeFileSync(join(dir, 'memory.max'), String(bytes));
      writeIfPresent(join(dir, 'memory.swap.max'), '0');
    } else {
      // memsw (memory + swap) may never be below the memory limit: set the memory limit first.
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(bytes));
      writeIfPresent(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
    }
    this.limited = true;
  }

  /**
   * The files the launcher writes `0` (itself) to: the primary hierarchy's, and the pids and
   * memory hierarchies' once a cap is set (counting and killing only need the primary). In a v1
   * hierarchy that is `tasks`, which moves the calling thread alone — the kernel does that
   * without its cgroup-wide migration lock, whose first taker waits out an RCU grace period
   * (12.6 ms measured on this project's machines); the launcher is single-threaded, so the
   * thread is the whole process. A v2 cgroup is only joined whole (`cgroup.procs`), under that
   * lock.
   */
  get joinFiles(): string[] {
    const count = this.limited ? this.versions.length : 1;
    return this.allDirs.slice(0, count).map((dir, i) => join(dir, JOIN_FILES[this.versions[i] ?? 2]));
  }

  /** Pids of the live member processes. */
  members(): number[] {
    return readPids(join(this.dir, 'cgroup.procs'));
  }

  /** SIGKILLs every member and resolves once none is left; rejects after {@link KILL_TIMEOUT_MS}. */
  async kill(): Promise<void> {
    const started = Date.now();
    while (this.members().length > 0) {
      if (Date.now() - started > KILL_TIMEOUT_MS) {
        const left = this.members();
        throw new OrchflowError(
          ErrorCode.InternalError,
          `Processes of cgroup ${this.dir} survived SIGKILL for ${KILL_TIMEOUT_MS} ms: ${left.join(', ')}. They may be stuck in uninterruptible I/O; check them with ps`,
          { cgroup: this.dir, survivors: left },
        );
      }
      await this.killRound();
      await delay(POLL_MS);
    }
  }

  /** Best effort without waiting, for a process that is exiting: every member gets SIGKILL. */
  killSync(): void {
    if (this.plan.method === 'cgroup.kill') {
      writeQuietly(join(this.dir, 'cgroup.kill'), '1');
      return;
    }
    // Once frozen no member can fork between the list and the kill; the SIGKILLs are delivered
    // once the thaw lands. A freeze usually settles in microseconds: waited for, briefly (this
    // runs while the process exits, for every terminal).
    const state = join(this.dir, 'freezer.state');
    if (this.plan.method === 'freezer') {
      writeQuietly(state, 'FROZEN');
      const until = Date.now() + EXIT_FREEZE_WAIT_MS;
      while (readQuietly(state) === 'FREEZING' && Date.now() < until) {
        // Busy: nothing else runs while the process exits.
      }
    }
    sigkill(this.members());
    if (this.plan.method === 'freezer') writeQuietly(state, 'THAWED');
  }

  /** Kills every member, then removes the directories; idempotent. */
  async destroy(): Promise<void> {
    if (this.removed) return;
    await this.kill();
    this.removed = true;
    // A cgroup still counts a member for a moment after its last task exited.
    for (let attempt = 0; ; attempt++) {
      const left = this.allDirs.filter((dir) => !rmdirQuietly(dir));
      if (left.length === 0 || attempt >= KILL_TIMEOUT_MS / POLL_MS) return;
      await delay(POLL_MS);
    }
  }

  private async killRound(): Promise<void> {
    switch (this.plan.method) {
      case 'cgroup.kill':
        writeFileSync(join(this.dir, 'cgroup.kill'), '1');
        return;
      case 'freezer': {
        const state = join(this.dir, 'freezer.state');
        writeFileSync(state, 'FROZEN');
        const since = Date.now();
        while (readFileSync(state, 'utf8').trim() !== 'FROZEN' && Date.now() - since < FREEZE_WAIT_MS) {
          await delay(POLL_MS);
        }
        // Frozen: nobody forks between this list and the kill.
        sigkill(this.members());
        writeFileSync(state, 'THAWED');
        return;
      }
      case 'signal':
        sigkill(this.members());
        return;
    }
  }
}

/** Removes an empty cgroup directory; true when it is gone. */
export function rmdirQuietly(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Writes `file` unless it does not exist (swap accounting is off, or there is no swap). */
function writeIfPresent(file: string, text: string): void {
  try {
    writeFileSync(file, text, { flag: 'r+' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function readQuietly(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeQuietly(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch {
    // Already removed, or not ours: nothing more can be done while exiting.
  }
}
