// The three ways a running command is stopped from outside: a hard timeout, an idle timeout
// (no output for a while) and an AbortSignal. Timers here only decide *when to interrupt*;
// completion itself always comes from the shell-integration markers or the process exit.

/** Why a command was stopped. */
export type StopReason = 'timeout' | 'idle' | 'cancelled';

/** Limits watched for one command. */
export interface WatchdogOptions {
  timeoutMs?: number | undefined;
  idleTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Fires `onStop` once, for whichever limit is hit first. */
export class Watchdog {
  private hardTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly abortListener: () => void;
  private reason: StopReason | undefined;

  /** Starts watching now. */
  constructor(
    private readonly options: WatchdogOptions,
    private readonly onStop: (reason: StopReason) => void,
  ) {
    this.abortListener = () => this.fire('cancelled');
    options.signal?.addEventListener('abort', this.abortListener, { once: true });
    if (options.timeoutMs !== undefined) {
      this.hardTimer = setTimeout(() => this.fire('timeout'), options.timeoutMs);
    }
    this.activity();
    if (options.signal?.aborted) this.fire('cancelled');
  }

  /** The limit that fired, if any. */
  get stopReason(): StopReason | undefined {
    return this.reason;
  }

  /** Output arrived: restarts the idle timer. */
  activity(): void {
    if (this.options.idleTimeoutMs === undefined || this.reason !== undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.fire('idle'), this.options.idleTimeoutMs);
  }

  /** Stops every timer and listener. */
  dispose(): void {
    clearTimeout(this.hardTimer);
    clearTimeout(this.idleTimer);
    this.options.signal?.removeEventListener('abort', this.abortListener);
  }

  private fire(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.dispose();
    this.onStop(reason);
  }
}
