// Collects output for an xterm and hands it over at most once per scheduled tick (an animation
// frame for a visible view, a slower timer for a hidden one), so a chatty terminal costs one
// xterm write per frame instead of one per chunk. Bounded: when more text piles up than the view
// could ever show (a throttled background tab), the oldest part is dropped for a marker line.

/** Runs `callback` later (e.g. requestAnimationFrame, or setTimeout for hidden views). */
export type Schedule = (callback: () => void) => void;

/** Options of a {@link WriteBatcher}. */
export interface WriteBatcherOptions {
  /** How the next flush is scheduled; may change over time (see {@link WriteBatcher.schedule}). */
  schedule: Schedule;
  /** Most characters held between flushes; beyond it the oldest are dropped. */
  maxPendingChars: number;
}

/** The line shown where a batcher dropped text it could not hand over in time. */
export const DROPPED_MARKER = '\r\n\x1b[0;33m[… earlier output skipped: this view fell behind …]\x1b[0m\r\n';

/** Batches text for one sink (an xterm's `write`). */
export class WriteBatcher {
  private pending: string[] = [];
  private chars = 0;
  private dropped = false;
  private scheduled = false;
  private disposed = false;

  constructor(
    private readonly sink: (text: string) => void,
    private options: WriteBatcherOptions,
  ) {}

  /** Characters waiting for the next flush. */
  get pendingChars(): number {
    return this.chars;
  }

  /** Replaces how flushes are scheduled (a view became visible or hidden). */
  schedule(schedule: Schedule): void {
    this.options = { ...this.options, schedule };
  }

  /** Queues `text` for the next flush. */
  push(text: string): void {
    if (this.disposed || text === '') return;
    this.pending.push(text);
    this.chars += text.length;
    if (this.chars > this.options.maxPendingChars) this.trim();
    if (!this.scheduled) {
      this.scheduled = true;
      this.options.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Hands everything queued to the sink now. */
  flush(): void {
    if (this.disposed || this.chars === 0) return;
    const text = (this.dropped ? DROPPED_MARKER : '') + this.pending.join('');
    this.pending = [];
    this.chars = 0;
    this.dropped = false;
    this.sink(text);
  }

  /** Drops what is queued; later pushes are ignored. */
  dispose(): void {
    this.disposed = true;
    this.pending = [];
    this.chars = 0;
  }

  /** Keeps the newest `maxPendingChars` characters. */
  private trim(): void {
    const joined = this.pending.join('');
    const kept = joined.slice(joined.length - this.options.maxPendingChars);
    this.pending = [kept];
    this.chars = kept.length;
    this.dropped = true;
  }
}
