// When a persistent shell may be typed to: the prompt's readiness, apart from the commands the
// session types and the markers it parses (shell-session.ts). The session reports what happened —
// a prompt marker, a command typed or started, a line or a ^C typed by hand, the shell's exit —
// and the gate says when the prompt is ready, waking whoever waits for it.
//
// Two waits live here. A prompt with no command of ours in flight (the first one, or one after a
// line typed by hand) counts only once the shell reads: right after its marker zsh may still be
// setting up zle, and a ^C written then gets no prompt of its own. And a ^C typed at the prompt
// makes the shell throw away what it has read of the next line, so nothing is typed until the
// prompt it draws after it — or, when none comes (a user's `trap … INT`, `stty -isig`), until the
// wait runs out and the kernel says the shell reads.
import { InterruptPromptWait } from './interrupt-prompt-wait';
import type { ShellState } from './prompt-check';

// A shell busy right after its prompt marker is asked again: quickly at first, then every 50 ms.
const FAST_RECHECKS = 50;
// A prompt with no command of ours waits at most this many rechecks (~2.6 s) for the shell to read.
const IDLE_RECHECKS = FAST_RECHECKS + 50;
// After the wait for the prompt after a ^C ran out with the shell busy: how often it is asked again.
const INTERRUPT_RECHECK_MS = 200;

/** How long the `attempt`-th recheck of a busy shell waits, in ms. */
export const recheckDelayMs = (attempt: number): number => (attempt < FAST_RECHECKS ? 2 : 50);

/** What the gate needs from the session. */
export interface PromptGateHost {
  /**
   * The kernel's view of the shell; undefined where it cannot be asked (a container's shell, whose
   * /proc is elsewhere). 'unknown' is a shell the kernel no longer shows (it is exiting).
   */
  shellState(): ShellState | undefined;
  /** The prompt became ready: type the command that waits, if one does. */
  onReady(): void;
}

/** The prompt's readiness for typing, and the waits in front of it. */
export class PromptGate {
  private isReady = false;
  private ended = false;
  private waiters: Array<() => void> = [];
  /** Set while a prompt waits for the shell to sit in its read. */
  private idleRecheck: NodeJS.Timeout | undefined;
  /** The next typed command starts with Ctrl-U and a space (see {@link interruptWaitRanOut}). */
  private lineLead = false;
  private readonly interruptWait = new InterruptPromptWait(() => this.interruptWaitRanOut());

  constructor(private readonly host: PromptGateHost) {}

  /** The shell shows its prompt and nothing typed (by us or by hand) runs. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Resolves once the prompt is ready (at once if it is), or at the shell's exit. */
  whenReady(): Promise<void> {
    if (this.isReady || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * A prompt marker with no command of ours in flight (`first`: the shell's first): ready once the
   * shell reads. A shell still busy after {@link IDLE_RECHECKS} counts as ready all the same, and
   * so does the first prompt whatever the kernel says of jobs.
   */
  promptShown(first: boolean): void {
    this.markerSeen();
    this.readyWhenIdle(0, first);
  }

  /** The done marker of our command, verified: the prompt is ready now. */
  commandDone(): void {
    this.markerSeen();
    this.becomeReady();
  }

  /** A start marker (ours, or of a line typed by hand): a command runs. */
  commandStarted(): void {
    this.markerSeen();
    this.isReady = false;
  }

  /**
   * Any other marker (a done marker not believed, one of another command): whatever it says
   * replaces the prompt that was waited on, and the shell has read since any ^C.
   */
  markerSeen(): void {
    this.cancelIdleRecheck();
    this.lineLead = false;
  }

  /** Our command is being typed; returns what goes before its line (Ctrl-U and a space, or nothing). */
  commandTyped(): string {
    this.isReady = false;
    const lead = this.lineLead ? '\x15 ' : '';
    this.lineLead = false;
    return lead;
  }

  /**
   * Something was typed by hand. A line end may start a command, so the prompt is back only at the
   * next marker; a ^C at the prompt waits for the prompt the shell draws after it.
   */
  typedByHand(text: string | Buffer): void {
    if (text.includes('\r') || text.includes('\n')) {
      this.isReady = false;
      this.lineLead = false;
      this.cancelIdleRecheck();
      this.interruptWait.cancel();
    } else if ((this.isReady || this.idleRecheck) && text.includes('\x03')) {
      this.isReady = false;
      this.cancelIdleRecheck();
      this.interruptWait.start();
    }
  }

  /** The shell exited: no more waits, and those waiting for the prompt are let go. */
  exited(): void {
    this.ended = true;
    this.interruptWait.cancel();
    this.cancelIdleRecheck();
    for (const wake of this.waiters.splice(0)) wake();
  }

  private readyWhenIdle(attempt: number, first: boolean): void {
    this.idleRecheck = undefined;
    const state = this.host.shellState() ?? 'unknown';
    if (state === 'busy' && attempt < IDLE_RECHECKS) {
      this.idleRecheck = setTimeout(() => this.readyWhenIdle(attempt + 1, first), recheckDelayMs(attempt));
      return;
    }
    // A job took the terminal meanwhile: its end brings the next marker.
    if (state !== 'job' || first) this.becomeReady();
  }

  /**
   * No prompt came after a ^C typed at it. A shell that reads (or one the kernel cannot be asked
   * about) is typed to anyway; one still busy, running a job (a trap's) or exiting is asked again
   * until it reads, a marker comes or its exit ends the wait.
   */
  private interruptWaitRanOut(): void {
    if (this.isReady) return;
    const state = this.host.shellState();
    if (state !== undefined && state !== 'idle') {
      this.interruptWait.start(INTERRUPT_RECHECK_MS);
      return;
    }
    // The line typed now starts with Ctrl-U and a space. Ctrl-U clears what the shell holds of a
    // line: a ^C that `stty -isig` left in the tty's line as a plain character. The space is for
    // zsh: an interrupt zle took before it was reading (no prompt hook ran for it) makes zle drop
    // the first byte it reads next. Any marker or line before that line means the shell has read
    // since, and neither is needed.
    this.lineLead = true;
    this.becomeReady();
  }

  private cancelIdleRecheck(): void {
    clearTimeout(this.idleRecheck);
    this.idleRecheck = undefined;
  }

  private becomeReady(): void {
    this.interruptWait.cancel();
    this.isReady = true;
    for (const wake of this.waiters.splice(0)) wake();
    this.host.onReady();
  }
}
