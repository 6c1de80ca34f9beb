// Handling an interrupt at its prompt, bash or sh throws away what it has read of the next line,
// so a command typed right after a ^C written there could be lost or cut. The session waits for
// the prompt (and done marker) the shell shows after the interrupt; this is the bound on that wait.

// The shell normally shows its prompt again well under a millisecond after the ^C.
const INTERRUPT_PROMPT_WAIT_MS = 5000;

/** One pending wait for the prompt after a ^C; starting it again restarts the clock. */
export class InterruptPromptWait {
  private timer: NodeJS.Timeout | undefined;

  /** `onTimeout` runs when no prompt came within the wait (a user's `trap … INT`, `stty -isig`). */
  constructor(
    private readonly onTimeout: () => void,
    private readonly waitMs = INTERRUPT_PROMPT_WAIT_MS,
  ) {}

  /** Starts (or restarts) the wait: `ms`, or the full wait. */
  start(ms = this.waitMs): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onTimeout();
    }, ms);
    this.timer.unref();
  }

  /** The prompt came, a line was typed by hand, or the shell exited. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
