// The time a request has to arrive whole. Node's own `requestTimeout` (300 s by default) covers
// every request until its body has arrived, so it also cut a session's message stream
// (`POST /v1/rpc/stream`), whose body is meant to last as long as the session, every five
// minutes: the server turns Node's off and applies this deadline to every other request instead.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { sendError } from './http-errors';

/** Default time a request (head and body) has to arrive: 300 s, Node's `requestTimeout`. */
export const DEFAULT_HTTP_REQUEST_BODY_TIMEOUT_MS = 300_000;

/**
 * Answers `408` and closes the connection when `request` has not arrived whole `timeoutMs` after
 * it began (a client trickling a body would otherwise hold a request slot for ever).
 */
export function enforceBodyDeadline(
  request: IncomingMessage,
  response: ServerResponse,
  timeoutMs: number,
): void {
  if (request.complete) return;
  const timer = setTimeout(() => {
    if (request.complete || response.destroyed) return;
    const error = new OrchflowError(
      ErrorCode.Timeout,
      `The request did not arrive whole within ${timeoutMs} ms; send its body at once`,
      { timeoutMs },
    );
    if (response.headersSent) response.destroy();
    else sendError(response, error, 408, { Connection: 'close' });
  }, timeoutMs);
  timer.unref();
  const clear = (): void => clearTimeout(timer);
  request.once('end', clear);
  response.once('close', clear);
}
