// `--session-idle` of `orchflow mcp` and `orchflow serve --mcp`: how long an MCP client's session
// may go unused before it is closed (its terminals with it).
import { InvalidArgumentError } from 'commander';
import { durationMs } from './duration';

/** Longest `--session-idle`: a week (setTimeout cannot wait past ~24.8 days anyway). */
const MAX_SESSION_IDLE_MS = 7 * 24 * 3_600_000;

/**
 * Parses `--session-idle`: a whole number with a unit (`90s`, `30m`, `2h`, `500ms`) or plain
 * milliseconds; `0` never expires sessions.
 */
export function parseSessionIdle(value: string): number {
  const ms = durationMs(value, true);
  if (!Number.isSafeInteger(ms) || ms > MAX_SESSION_IDLE_MS) {
    throw new InvalidArgumentError(
      `'${value}' is not a session idle period; use e.g. 90s, 30m, 2h, 500ms or 0 (never expire), at most 168h`,
    );
  }
  return ms;
}

/** How the start-up line describes the idle period. */
export function describeSessionIdle(ms: number): string {
  return ms === 0 ? 'sessions never expire' : `idle sessions close after ${asDuration(ms)}`;
}

/** `30m`, `90s`, `2h`, `1500ms`: the largest unit `--session-idle` takes that divides `ms` evenly. */
function asDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
