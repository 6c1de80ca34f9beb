// `--ui-session-lifetime` of `orchflow serve --ui`: how long a monitor session lasts from its
// login, however active (HttpServer's `ui.sessionLifetimeMs`).
import { InvalidArgumentError } from 'commander';
import { MAX_UI_SESSION_LIFETIME_MS } from '../ui/ui-sessions';

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `--ui-session-lifetime`: a positive whole number with a unit (`90s`, `30m`, `12h`, `7d`,
 * `500ms`) or plain milliseconds, at most what a timer can wait (about 24.8 days).
 */
export function parseUiSessionLifetime(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS_MS[match[2] ?? 'ms'] as number) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_UI_SESSION_LIFETIME_MS) {
    throw new InvalidArgumentError(
      `'${value}' is not a session lifetime; use e.g. 8h, 30m, 90s or 500ms, more than 0 and at most 24d`,
    );
  }
  return ms;
}
