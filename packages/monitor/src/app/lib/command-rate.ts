// Commands per minute for the header: every command start the page sees (a terminal's activity
// turning to running, keyed by terminal and start time so a repeated notification or a re-fetch
// after a reconnect counts once), over a sliding 60-second window. Bounded by the window.

/** Length of the window: one minute. */
export const RATE_WINDOW_MS = 60_000;

/** Counts command starts in the last minute. */
export class CommandRate {
  private readonly starts = new Map<string, number>();

  /**
   * Records a command that started at `atMs` (ms since the epoch) under `key` (e.g. terminal id
   * and start time); a key already recorded is ignored. Starts older than the window are ignored.
   */
  record(key: string, atMs: number, nowMs: number): void {
    this.prune(nowMs);
    if (!Number.isFinite(atMs) || atMs <= nowMs - RATE_WINDOW_MS || this.starts.has(key)) return;
    this.starts.set(key, atMs);
  }

  /** Commands started in the minute before `nowMs`. */
  perMinute(nowMs: number): number {
    this.prune(nowMs);
    return this.starts.size;
  }

  private prune(nowMs: number): void {
    for (const [key, at] of this.starts) if (at <= nowMs - RATE_WINDOW_MS) this.starts.delete(key);
  }
}
