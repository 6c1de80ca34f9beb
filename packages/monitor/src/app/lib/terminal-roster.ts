// The terminals the grid shows: what `terminal.list` returns, plus, for a while, terminals that
// vanished from it. A killed terminal leaves the server's list at once, but the person who just
// pressed Emergency Stop needs to see it as exited rather than watch its tile disappear; bounded
// in time and number so a busy server's churn cannot grow the page.
import type { MonitorTerminal } from './types';

/** How long a vanished terminal stays on the grid: 5 minutes. */
export const GONE_RETENTION_MS = 5 * 60_000;
/** Most vanished terminals kept; the oldest go first. */
export const MAX_GONE = 50;

/** Merges successive listings into the grid's terminals. */
export class TerminalRoster {
  private live: MonitorTerminal[] = [];
  /** Vanished terminals, oldest first (Map keeps insertion order). */
  private readonly gone = new Map<string, { info: MonitorTerminal; at: number }>();

  constructor(
    private readonly retentionMs = GONE_RETENTION_MS,
    private readonly maxGone = MAX_GONE,
  ) {}

  /** Takes a new listing at `nowMs`; returns the terminals to show (listed first, then vanished ones). */
  update(listed: readonly MonitorTerminal[], nowMs: number): MonitorTerminal[] {
    const present = new Set(listed.map((terminal) => terminal.id));
    for (const previous of this.live) {
      if (!present.has(previous.id) && !this.gone.has(previous.id))
        this.gone.set(previous.id, { info: { ...previous, state: 'exited' }, at: nowMs });
    }
    for (const id of present) this.gone.delete(id);
    for (const [id, entry] of this.gone) if (entry.at <= nowMs - this.retentionMs) this.gone.delete(id);
    while (this.gone.size > this.maxGone) this.gone.delete(this.gone.keys().next().value as string);
    this.live = [...listed];
    return [...listed, ...[...this.gone.values()].map((entry) => entry.info)];
  }
}

/**
 * `record` without the entries of terminals not in `shown`, or `record` itself when it has none;
 * so what the page keeps per terminal (activity, floor) is bounded as the roster is.
 */
export function onlyShown<T>(
  record: Readonly<Record<string, T>>,
  shown: ReadonlySet<string>,
): Record<string, T> {
  const gone = Object.keys(record).filter((id) => !shown.has(id));
  if (gone.length === 0) return record as Record<string, T>;
  const kept = { ...record };
  for (const id of gone) delete kept[id];
  return kept;
}
