// Interrupting the command that runs in a PTY shell without killing the shell: SIGINT to the
// terminal's foreground process group (the job the shell started), SIGKILL to that group if it is
// still there after a grace period. When the shell itself is in the foreground (a builtin loop)
// it gets ^C through the line discipline; a shell that survives every attempt is wedged. When the
// command ends, whatever it started that is still alive is SIGKILLed too: an interactive shell
// puts each background job (`sleep 99 &`) in a process group of its own, which no signal to the
// interrupted foreground group reaches.
//
// A job SIGKILLed would leave the shell to go on with the rest of the command line
// (`slow; rm -rf out` runs the `rm`): only a shell that is interrupted itself abandons the line
// once its job is gone. So the shell gets a SIGINT of its own just before its job's SIGKILL. A
// shell that ignores SIGINT (`trap '' INT`) cannot be made to abandon the line: its terminal is
// ended instead, before the job is, so nothing after the timed-out job runs. A shell with a SIGINT
// trap of its own runs it and goes on; /proc cannot tell that trap from the shell's own handler.
//
// A ^C typed before the shell has read the command line would not interrupt the command: the
// line discipline flushes the terminal's input along with it (no `noflsh`), so the line is dropped
// unread and the shell merely redraws its prompt. So until the shell has taken the line (its start
// marker came), the shell gets no ^C — for up to a grace period, after which it is typed anyway
// (a shell without hooks never sends one; the session then recognises the dropped line).
import { readFileSync } from 'node:fs';
import { cgroupPeersOf } from '../containment/containment';
import { readProcStat } from '../process/procfs';
import { foregroundProcessGroup, listProcessTree } from '../process/tree';

/** Time a job gets to end after the first SIGINT before it is SIGKILLed, in ms. */
export const INTERRUPT_GRACE_MS = 2000;

// SIGINT (or ^C to the shell) is repeated this often within a grace period. A repeat is needed:
// a job that has been forked but has not exec'd yet still runs the shell's handlers and drops
// SIGINT, and a shell that is about to fork a job may take the ^C for itself.
const ATTEMPTS = 4;
// A loop that keeps starting new jobs which all ignore SIGINT is cut off after this many steps.
const MAX_STEPS = 6 * ATTEMPTS;

/** How to reach the shell for an interrupt. */
export interface InterruptTarget {
  /** The shell's pid (also its process group and session id). */
  shellPid: number;
  /** What ran when the command was typed; what the command started is killed on dispose. */
  baseline?: CommandBaseline;
  /**
   * The shell has taken the command line (its start marker came, or it sends none). Until then
   * no ^C is typed, for up to a grace period. Absent: always.
   */
  commandStarted?(): boolean;
  /** Writes bytes to the PTY. */
  write(data: string): void;
  /** The shell ignores every interrupt; end the terminal. */
  onWedged(): void;
  /**
   * A job had to be SIGKILLed but the shell ignores SIGINT, so it would have run the rest of the
   * command line: the shell was SIGKILLed; end the terminal (its other processes with it).
   * Absent: `onWedged`.
   */
  onUninterruptible?(): void;
}

/** An escalating interrupt in progress; the caller disposes it when the command completes. */
export class ForegroundInterrupt {
  private timer: NodeJS.Timeout | undefined;
  private steps = 0;
  private shellAttempts = 0;
  /** Steps spent waiting for the shell to take the command line (see {@link commandStarted}). */
  private waits = 0;
  private waiting = false;
  private disposed = false;
  private readonly groupAttempts = new Map<number, number>();
  private readonly sent = new Set<NodeJS.Signals>();

  /** Sends the first SIGINT at once. */
  constructor(
    private readonly target: InterruptTarget,
    private readonly graceMs = INTERRUPT_GRACE_MS,
  ) {
    this.step();
  }

  /** True when this interrupt sent `signal` to the command. */
  hasSent(signal: NodeJS.Signals): boolean {
    return this.sent.has(signal);
  }

  /**
   * The command completed: stop escalating, and SIGKILL what is left of every group that was
   * interrupted — a job's background children ignore SIGINT and would outlive the timeout — and
   * every process the command started in the shell's session (background jobs, double forks).
   */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const group of this.groupAttempts.keys()) kill(-group);
    if (this.target.baseline) killStartedSince(this.target.shellPid, this.target.baseline);
  }

  /** The shell took the command line: when the interrupt waits for that, it goes on at once. */
  commandStarted(): void {
    if (!this.waiting || this.disposed) return;
    clearTimeout(this.timer);
    this.step();
  }

  private step(): void {
    this.waiting = false;
    const { shellPid } = this.target;
    const group = foregroundProcessGroup(shellPid);
    if (++this.steps > MAX_STEPS) {
      this.target.onWedged();
      return;
    }
    this.timer = setTimeout(() => this.step(), this.graceMs / ATTEMPTS);
    if (group !== undefined && group !== shellPid) {
      // A job has the terminal: SIGINT, and SIGKILL if it is still in front a grace period later.
      const attempts = this.groupAttempts.get(group) ?? 0;
      this.groupAttempts.set(group, attempts + 1);
      const signal: NodeJS.Signals = attempts < ATTEMPTS ? 'SIGINT' : 'SIGKILL';
      if (signal === 'SIGKILL') {
        if (ignoresSigint(shellPid)) {
          // SIGKILL, at once and before the job: an interactive shell ignores SIGTERM, and would
          // start the next command of the line the moment its job ended.
          clearTimeout(this.timer);
          kill(shellPid);
          (this.target.onUninterruptible ?? this.target.onWedged)();
          return;
        }
        // Interrupted while it waits, the shell abandons the command line once the job is gone.
        signalShell(shellPid);
      }
      try {
        process.kill(-group, signal);
        this.sent.add(signal);
      } catch {
        // ESRCH: the job ended meanwhile; the done marker is on its way.
      }
      return;
    }
    if (this.target.commandStarted?.() === false && this.waits < ATTEMPTS) {
      // The line may still sit unread in the terminal's input, where a ^C would flush it.
      this.waits++;
      this.waiting = true;
      return;
    }
    if (this.shellAttempts++ === ATTEMPTS) {
      clearTimeout(this.timer);
      this.target.onWedged();
      return;
    }
    this.target.write('\x03');
    this.sent.add('SIGINT');
  }
}

// Clock ticks per second of /proc's start times (USER_HZ, 100 on every Linux architecture).
const TICKS_PER_SECOND = 100;

/** When a command was typed, and the shell's children (earlier background jobs) at that moment. */
export interface CommandBaseline {
  /** `performance.now()` when the command was typed. */
  typedAt: number;
  /** Pids of the shell's children then. */
  jobs: ReadonlySet<number>;
}

// Shared by every baseline of a shell without jobs (the usual case): a Set is ~150 bytes, and a
// terminal keeps its last command's baseline.
const NO_JOBS: ReadonlySet<number> = new Set();

/**
 * The baseline of a command typed now into `shellPid`. Cheap (one small procfs read) because it
 * is taken for every command: a walk of all of /proc would cost milliseconds each time.
 */
export function commandBaseline(shellPid: number): CommandBaseline {
  let jobs: number[] = [];
  try {
    const text = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8');
    jobs = text.split(' ').filter(Boolean).map(Number);
  } catch {
    // No CONFIG_PROC_CHILDREN or the shell is gone: only start times tell jobs apart.
  }
  return { typedAt: performance.now(), jobs: jobs.length > 0 ? new Set(jobs) : NO_JOBS };
}

// SIGINT's bit in /proc's signal masks.
const SIGINT_BIT = 1n << 1n;

/** True when `pid` ignores SIGINT (`SigIgn` in /proc/<pid>/status); false when that cannot be read. */
export function ignoresSigint(pid: number): boolean {
  try {
    const match = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match !== null && (BigInt(`0x${match[1]}`) & SIGINT_BIT) !== 0n;
  } catch {
    return false;
  }
}

function signalShell(shellPid: number): void {
  try {
    process.kill(shellPid, 'SIGINT');
  } catch {
    // ESRCH: the shell is gone; its terminal's exit settles the command.
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * SIGKILLs what the command started: every process of `shellPid`'s session and their descendants
 * (and of its terminal's cgroup, which holds those that left the session) that started once it was
 * typed, except the shell, its ancestors and the jobs of earlier commands (the shell's children
 * then, and their descendants). A group such a process leads goes as a whole, so what it
 * forks meanwhile goes too. Start times have a 10 ms resolution; with one tick of margin, a
 * process an earlier command double-forked within ~20 ms before this one was typed counts as this
 * one's. Only a command that timed out or was cancelled pays for the /proc walk.
 */
function killStartedSince(shellPid: number, baseline: CommandBaseline): void {
  let uptime: number;
  try {
    uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return;
  }
  const elapsed = (performance.now() - baseline.typedAt) / 1000;
  const startTick = Math.floor((uptime - elapsed) * TICKS_PER_SECOND) - 1;
  // A sandboxed shell is not its session's leader (bubblewrap is); the leader's tree holds all.
  const leader = readProcStat(shellPid)?.sid ?? shellPid;
  const tree = listProcessTree(leader > 0 ? leader : shellPid);
  // What left the session (setsid, double forks) is still in the terminal's cgroup, if it has one.
  const inTree = new Set(tree.map((p) => p.pid));
  for (const pid of cgroupPeersOf(shellPid)) {
    const info = inTree.has(pid) ? undefined : readProcStat(pid);
    if (info) tree.push(info);
  }
  const byPid = new Map(tree.map((p) => [p.pid, p]));
  const earlierJob = (pid: number): boolean => {
    for (let p = byPid.get(pid); p && p.pid !== shellPid; p = byPid.get(p.ppid)) {
      if (baseline.jobs.has(p.pid)) return true;
    }
    return false;
  };
  // The shell and what runs it (bubblewrap) may have started within the margin too.
  const keep = new Set<number>();
  for (let p = byPid.get(shellPid); p && !keep.has(p.pid); p = byPid.get(p.ppid)) keep.add(p.pid);
  const started = tree.filter(
    (p) => !keep.has(p.pid) && p.startTime >= startTick && p.state !== 'Z' && !earlierJob(p.pid),
  );
  const pids = new Set(started.map((p) => p.pid));
  for (const p of started) kill(pids.has(p.pgid) && p.pgid !== shellPid ? -p.pgid : p.pid);
}
