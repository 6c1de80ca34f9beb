// The server's side of an internal failure. A client is told what failed and an error id (over
// the network transports nothing more: see `internalFailure` in @orchflow/protocol); the report
// with the full message, the failure's data and the stack of what was thrown reaches the
// transport's onError, and this makes it one log line at error level carrying the same `errorId`,
// so an operator finds the cause from the id a client quotes.
import { type InternalErrorReport, internalErrorId, type OrchflowError } from '@orchflow/protocol';
import { clipText } from './clip-text';
import type { LogLine } from './log-throttle';

/** The message of an internal failure's log line. */
export const INTERNAL_ERROR_LOG_MESSAGE = 'request failed with an internal error';

/**
 * Internal-failure lines one transport of `orchflow serve` writes per minute before it writes one
 * summary line instead: a client that can make every request fail must not fill the disk.
 */
export const INTERNAL_ERROR_LOG_BURST = 100;

const MESSAGE_MAX = 2000;
const DATA_MAX = 2000;
const STACK_MAX = 8000;
const CAUSE_DEPTH = 4;

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `error`'s message followed by those of its causes (`…; caused by: …`), a few deep. */
function messageWithCauses(error: Error): string {
  let text = error.message;
  let cause = error.cause;
  for (let depth = 0; depth < CAUSE_DEPTH && cause !== undefined; depth++) {
    // The report's own cause is what the handler threw: its message is already in the report's.
    if (!(depth === 0 && cause instanceof Error && text.endsWith(cause.message))) {
      text += `; caused by: ${cause instanceof Error ? cause.message : String(cause)}`;
    }
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * The log fields of an internal failure's report: `errorId`, `request`, `err` (the full message
 * and its causes), `data` (the failure's own) and `stack` (of what was thrown); undefined for any
 * other error.
 */
export function internalErrorFields(error: Error): Record<string, unknown> | undefined {
  const errorId = internalErrorId(error);
  if (errorId === undefined) return undefined;
  const report = (error as OrchflowError).data as Partial<InternalErrorReport>;
  const fields: Record<string, unknown> = {
    errorId,
    request: report.request,
    err: clipText(messageWithCauses(error), MESSAGE_MAX),
  };
  if (report.data !== undefined) {
    const text = json(report.data);
    fields.data = text.length <= DATA_MAX ? report.data : clipText(text, DATA_MAX);
  }
  const thrown = error.cause;
  if (thrown instanceof Error && thrown.stack) fields.stack = clipText(thrown.stack, STACK_MAX);
  return fields;
}

/**
 * An onError that writes internal failures with {@link internalErrorFields} (plus `extra`) on
 * `write`, and hands every other error to `other`.
 */
export function logInternalErrors(
  write: LogLine,
  other: (error: Error) => void,
  extra: Record<string, unknown> = {},
): (error: Error) => void {
  return (error) => {
    const fields = internalErrorFields(error);
    if (fields) write({ ...fields, ...extra }, INTERNAL_ERROR_LOG_MESSAGE);
    else other(error);
  };
}
