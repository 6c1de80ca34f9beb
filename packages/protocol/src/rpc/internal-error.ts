// What a caller is told when serving its request failed in a way that is not meant for it: an
// exception (a bug, EMFILE, a broken invariant) or an OrchflowError with code InternalError (a full
// disk under the audit log, processes that survived SIGKILL). Every such failure gets an error id:
// the answer carries it as `data.errorId`, and so does the report to the serving peer's onError
// (with the full message, data and the thrown value as `cause`), so an operator finds the detail in
// the server's log from the id a client quotes. How much the answer itself says is the serving
// side's choice: `full` passes the message and data through (a stdio sidecar's own parent, an
// in-process caller); `redacted` replaces them with a message naming the failed request and the id,
// because a remote client must not learn host paths, pids, cgroups or stack traces. Errors with any
// other code (PolicyDenied, TerminalNotFound, InvalidParams, …) are written for the caller and pass
// unchanged either way.
import { ErrorCode, isOrchflowError, OrchflowError, type OrchflowErrorJson } from '../errors';
import { toWireError } from './wire';

/**
 * How much an InternalError answer tells the caller: `full` (its message and data, plus
 * `data.errorId`) or `redacted` (only which request failed and `data.errorId`).
 */
export type InternalErrorDetail = 'full' | 'redacted';

/** What the report of an internal error (see {@link internalFailure}) carries as `data`. */
export interface InternalErrorReport {
  /** The id the caller's answer carries as `data.errorId`. */
  errorId: string;
  /** What failed, e.g. `'terminal.spawn'` or `POST /v1/terminals`. */
  request: string;
  /** The failure's own data, unredacted, if it had any. */
  data?: unknown;
}

/** An internal error: the answer for the caller and the report for the server's log. */
export interface InternalFailure {
  /** The correlation id shared by `answer` and `report`. */
  readonly errorId: string;
  /** The JSON-RPC error object to send (code InternalError, `data.errorId`). */
  readonly answer: OrchflowErrorJson;
  /**
   * For the serving side's onError: the full message, `data` an {@link InternalErrorReport}, and
   * the thrown value (with its stack) as `cause`.
   */
  readonly report: OrchflowError;
}

// Members of an InternalError's data that a redacted answer keeps: `denial` is the caller's own
// PolicyDenied (a refused command whose denial the audit log could not record).
const KEPT_WHEN_REDACTED = ['denial'] as const;

/** A new error id: 12 hex digits, unique enough to find one failure in a server's log. */
export function newErrorId(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The error id of an InternalError, one a server answered with (`data.errorId`) or the report of
 * one ({@link internalFailure}); undefined for anything else.
 */
export function internalErrorId(error: unknown): string | undefined {
  if (!isOrchflowError(error) || error.code !== ErrorCode.InternalError || !isRecord(error.data))
    return undefined;
  const id = error.data.errorId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The answer and the report for a failure of `request`, when it is an internal one (anything
 * {@link OrchflowError.from} maps to InternalError); undefined for every other error, which the
 * caller gets as it is. An error that already carries an error id (an InternalError relayed from
 * another peer) keeps it.
 */
export function internalFailure(
  error: unknown,
  request: string,
  detail: InternalErrorDetail,
): InternalFailure | undefined {
  const wire = toWireError(error);
  if (wire.code !== ErrorCode.InternalError) return undefined;
  const errorId = internalErrorId(error) ?? newErrorId();
  const { data } = wire;
  const answer: OrchflowErrorJson =
    detail === 'full'
      ? { code: wire.code, message: wire.message, data: withErrorId(data, errorId) }
      : {
          code: wire.code,
          message: `${request} failed on the server with an internal error (error id ${errorId}). Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it`,
          data: { errorId, ...kept(data) },
        };
  const reported: InternalErrorReport =
    data === undefined ? { errorId, request } : { errorId, request, data };
  const report = new OrchflowError(
    ErrorCode.InternalError,
    `${request} failed with an internal error (error id ${errorId}): ${wire.message}`,
    reported,
    { cause: error },
  );
  return { errorId, answer, report };
}

function withErrorId(data: unknown, errorId: string): Record<string, unknown> {
  if (data === undefined) return { errorId };
  return isRecord(data) ? { ...data, errorId } : { errorId, data };
}

function kept(data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(data)) return out;
  for (const key of KEPT_WHEN_REDACTED) if (data[key] !== undefined) out[key] = data[key];
  return out;
}
