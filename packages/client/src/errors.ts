// One check for "an orchflow error with code X", whichever side raised it. `isOrchflowError` is
// true only for errors that crossed the wire (they carry `data` and `toJson()`); a request this
// side gave up on (`RequestTimeoutError`) or a lost connection (`ChannelClosedError`) is an
// `OrchflowLocalError` with a code from the same `ErrorCode` table.
import {
  isOrchflowError,
  isOrchflowLocalError,
  type OrchflowError,
  type OrchflowLocalError,
} from '@orchflow/protocol/runtime';

/**
 * True for any orchflow error — one a server sent ({@link OrchflowError}) or one raised on this
 * side ({@link OrchflowLocalError}: `ChannelClosed`, a request's `Timeout`, …) — and, given
 * `code`, only for one with that code: `isAnyOrchflowError(error, ErrorCode.Timeout)` is true for a
 * server's timeout and for a request this side stopped waiting for alike. Both kinds have `code`,
 * `codeName` and `message`; narrow further with `isOrchflowError` for `data`.
 */
export function isAnyOrchflowError(
  value: unknown,
  code?: number,
): value is OrchflowError | OrchflowLocalError {
  if (!isOrchflowError(value) && !isOrchflowLocalError(value)) return false;
  return code === undefined || value.code === code;
}
