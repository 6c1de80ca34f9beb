// The time a request's body has to arrive. Node's own `requestTimeout` (300 s by default) covers
// every request until its body has arrived, so it also cut a session's message stream
// (`POST /v1/rpc/stream`), whose body is meant to last as long as the session, every five
// minutes: the server turns Node's off and applies this deadline to every request instead, until
// a session accepts one as its message stream. Node's `headersTimeout` still covers the head.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, MAX_TIMER_MS, OrchflowError } from '@orchflow/protocol';
import { sendError } from './http-errors';

/** Default time a request's body has to arrive: 300 s, Node's `requestTimeout`. */
export const DEFAULT_HTTP_REQUEST_BODY_TIMEOUT_MS = 300_000;

const deadlines = new WeakMap<IncomingMessage, () => void>();
const lifted = new WeakSet<IncomingMessage>();
const expired = new WeakSet<ServerResponse>();

/**
 * Gives `request` `timeoutMs` for its body, from now: a request still incomplete then is answered
 * `408` and its connection closed — also when it was answered before its body arrived (a refusal
 * leaves Node reading the rest on a kept-alive connection, which would otherwise last for ever).
 */
export function enforceBodyDeadline(
  request: IncomingMessage,
  response: ServerResponse,
  timeoutMs: number,
): void {
  // Node marks a request complete only after its 'request' event, even one without a body: most
  // are by the next turn, and need no timer.
  setImmediate(() => {
    if (request.complete || request.destroyed || lifted.has(request)) return;
    const timer = setTimeout(
      () => {
        deadlines.delete(request);
        if (request.complete || request.socket.destroyed) return;
        expired.add(response);
        const error = new OrchflowError(
          ErrorCode.Timeout,
          `The request body did not arrive within ${timeoutMs} ms; send it at once`,
          { timeoutMs },
        );
        if (response.headersSent) request.socket.destroy();
        else sendError(response, error, 408, { Connection: 'close' });
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    timer.unref();
    const socket = request.socket;
    const clear = (): void => {
      clearTimeout(timer);
      deadlines.delete(request);
      // A kept-alive connection carries many requests: leave no listener behind on it.
      request.off('end', clear);
      socket.off('close', clear);
    };
    deadlines.set(request, clear);
    request.once('end', clear);
    socket.once('close', clear);
  });
}

/** Lifts the deadline from a request whose body may rightly last (an accepted message stream). */
export function liftBodyDeadline(request: IncomingMessage): void {
  lifted.add(request);
  deadlines.get(request)?.();
}

/** True when `response` was answered 408 by the deadline (what its handler then fails with is moot). */
export function bodyDeadlineExpired(response: ServerResponse): boolean {
  return expired.has(response);
}
