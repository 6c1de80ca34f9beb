// The server's clock as the page sees it. Times the server sends (when a command started) are on
// its clock, so a viewer's clock that is off by minutes would show wrong elapsed times and leave
// commands out of the per-minute count. The `Date` header of the session API's answers gives the
// offset; it names whole seconds, so an offset under MIN_CLOCK_OFFSET_MS is within its resolution
// and taken as none.

/** Offsets smaller than this are taken as none (the Date header has a resolution of 1 s). */
export const MIN_CLOCK_OFFSET_MS = 2_000;

/**
 * How far the server's clock is ahead of this page's (negative: behind), from the `Date` header of
 * an answer to a request sent at `sentAtMs` and answered at `receivedAtMs` (both `Date.now()`).
 */
export function clockOffsetMs(dateHeader: string | null, sentAtMs: number, receivedAtMs: number): number {
  if (!dateHeader) return 0;
  const serverMs = Date.parse(dateHeader);
  if (!Number.isFinite(serverMs)) return 0;
  // The header names the second the answer was made in: its middle is the best guess of when.
  const offset = serverMs + 500 - (sentAtMs + receivedAtMs) / 2;
  return Math.abs(offset) < MIN_CLOCK_OFFSET_MS ? 0 : Math.round(offset);
}
