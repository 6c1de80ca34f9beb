// Rate limiting for log lines a remote peer can trigger at will (one per malformed frame): at
// most `burst` lines per window, then one summary line with the count of those suppressed, so a
// misbehaving client cannot fill the disk through the server's log.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { clipText } from './clip-text';

/** Options of {@link throttledLog}. */
export interface LogThrottleOptions {
  /** Lines written per window before suppressing. Default 10. */
  burst?: number;
  /** Window length in ms. Default 60 000. */
  windowMs?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** A log line: structured fields and a message, as pino takes them. */
export type LogLine = (fields: Record<string, unknown>, message: string) => void;

/**
 * Wraps `write` so at most `burst` lines pass per window; the first line of the next window that
 * passes carries `suppressed: N` for the lines dropped in between.
 */
export function throttledLog(write: LogLine, options: LogThrottleOptions = {}): LogLine {
  const burst = options.burst ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  let windowStart = Number.NEGATIVE_INFINITY;
  let written = 0;
  let suppressed = 0;
  return (fields, message) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      written = 0;
    }
    if (written >= burst) {
      suppressed++;
      return;
    }
    written++;
    if (suppressed > 0) {
      write({ ...fields, suppressed }, `${message} (${suppressed} similar lines suppressed before this one)`);
      suppressed = 0;
    } else write(fields, message);
  };
}

// What a client's invalid message produces: its own fault, not the server's.
const CLIENT_FAULTS: ReadonlySet<number> = new Set([
  ErrorCode.ParseError,
  ErrorCode.InvalidRequest,
  ErrorCode.InvalidParams,
  ErrorCode.MethodNotFound,
]);

/** True for errors a peer causes by what it sends (unparseable or invalid JSON-RPC). */
export function isClientFault(error: Error): boolean {
  return isOrchflowError(error) && CLIENT_FAULTS.has(error.code);
}

/** Longest error text a peer-triggered log line carries. */
export const LOG_TEXT_MAX = 500;

/** `text` cut to {@link LOG_TEXT_MAX} characters: a peer chooses much of it (ids, method names). */
export function clipForLog(text: string): string {
  return clipText(text, LOG_TEXT_MAX);
}
