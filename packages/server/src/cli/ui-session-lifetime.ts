// `--ui-session-lifetime` of `orchflow serve --ui`: how long a monitor session lasts from its
// login, however active (HttpServer's `ui.sessionLifetimeMs`).
import { InvalidArgumentError } from 'commander';
import { MAX_UI_SESSION_LIFETIME_MS } from '../ui/ui-sessions';
import { durationMs } from './duration';

/**
 * Parses `--ui-session-lifetime`: a positive whole number with a unit (`90s`, `30m`, `12h`, `7d`,
 * `500ms`) or plain milliseconds, at most what a timer can wait (about 24.8 days).
 */
export function parseUiSessionLifetime(value: string): number {
  const ms = durationMs(value, true);
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_UI_SESSION_LIFETIME_MS) {
    throw new InvalidArgumentError(
      `'${value}' is not a session lifetime; use e.g. 8h, 30m, 90s or 500ms, more than 0 and at most 24d`,
    );
  }
  return ms;
}
