// Interrupting the command that runs in a PTY shell without killing the shell: SIGINT to the
// terminal's foreground process group (the job the shell started), SIGKILL to that group if it is
// still there after a grace period. When the shell itself is in the foreground (a builtin loop)
// it gets ^C through the line discipline; a shell that survives every attempt is wedged.
import { foregroundProcessGroup } from '../process/tree';

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
  /** Writes bytes to the PTY. */
  write(data: string): void;
  /** The shell ignores every interrupt; end the terminal. */
  onWedged(): void;
}

/** An escalating interrupt in progress; the caller disposes it when the command completes. */
export class ForegroundInterrupt {
  private timer: NodeJS.Timeout | undefined;
  private steps = 0;
  private shellAttempts = 0;
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
   * interrupted — a job's background children ignore SIGINT and would outlive the timeout.
   */
  dispose(): void {
    clearTimeout(this.timer);
    for (const group of this.groupAttempts.keys()) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // ESRCH: the whole group is gone.
      }
    }
  }

  private step(): void {
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
      try {
        process.kill(-group, signal);
        this.sent.add(signal);
      } catch {
        // ESRCH: the job ended meanwhile; the done marker is on its way.
      }
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
