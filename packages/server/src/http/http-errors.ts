// How failures look over HTTP: the status for each orchflow error code and the JSON error body
// `{ error: { code, codeName, message, data? } }`, so a `curl` user sees the same code a JSON-RPC
// client would.
import type { ServerResponse } from 'node:http';
import { ErrorCode, errorCodeName, OrchflowError } from '@orchflow/protocol';

const STATUS = new Map<number, number>([
  [ErrorCode.ParseError, 400],
  [ErrorCode.InvalidRequest, 400],
  [ErrorCode.InvalidParams, 400],
  [ErrorCode.VersionMismatch, 400],
  [ErrorCode.Unauthorized, 401],
  [ErrorCode.Forbidden, 403],
  [ErrorCode.PolicyDenied, 403],
  [ErrorCode.TerminalNotFound, 404],
  [ErrorCode.MethodNotFound, 404],
  [ErrorCode.InvalidState, 409],
  [ErrorCode.TerminalExited, 409],
  [ErrorCode.FloorHeld, 409],
  [ErrorCode.PayloadTooLarge, 413],
  [ErrorCode.QuotaExceeded, 429],
  [ErrorCode.Overloaded, 429],
  [ErrorCode.Unavailable, 503],
]);

/** The HTTP status of an orchflow error code (500 for anything unlisted). */
export function httpStatus(code: number): number {
  return STATUS.get(code) ?? 500;
}

/**
 * Writes `error` as a JSON error response (the connection is dropped when headers already went
 * out). `status` overrides the code's status (405, 415); `extra` adds headers.
 */
export function sendError(
  response: ServerResponse,
  error: unknown,
  status?: number,
  extra: Record<string, string> = {},
): void {
  const failure = OrchflowError.from(error);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const headers: Record<string, string> = { ...extra };
  if (failure.code === ErrorCode.Unauthorized) headers['WWW-Authenticate'] = 'Bearer';
  if (failure.code === ErrorCode.Overloaded) headers['Retry-After'] = '1';
  const json = failure.toJson();
  sendJson(
    response,
    status ?? httpStatus(failure.code),
    {
      error: { ...json, codeName: errorCodeName(failure.code) ?? 'UnknownError' },
    },
    headers,
  );
}

/** Writes a JSON response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** Writes already serialized JSON (a cached document). */
export function sendText(response: ServerResponse, json: string): void {
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(json)),
    'Cache-Control': 'no-store',
  });
  response.end(json);
}
