// CORS for browser pages on origins the server allows (`allowedOrigins`): a preflight (OPTIONS
// with Origin and Access-Control-Request-Method) is answered before auth — browsers send it without
// the token — with the methods the path is routed under and the headers orchflow's clients send;
// every answer to an allowed origin names that origin and exposes `Orchflow-Session` (and
// `Orchflow-Events`), so a page can start an HTTP session. Origins not allowed never get here:
// http-gate refuses them with 403, as the WebSocket server refuses their upgrades, and the answer
// carries no CORS header.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_FORMAT_HEADER, HTTP_SESSION_HEADER } from '@orchflow/protocol';

/** Request headers a cross-origin page may send. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', HTTP_SESSION_HEADER, 'Last-Event-ID'];
/** Response headers a cross-origin page may read. */
export const CORS_EXPOSED_HEADERS = [HTTP_SESSION_HEADER, EVENT_FORMAT_HEADER];
/** How long a browser may cache a preflight answer: 10 minutes. */
export const CORS_MAX_AGE_S = 600;

/** Adds the headers every answer to an allowed cross-origin request carries. */
export function allowOrigin(response: ServerResponse, origin: string): void {
  // The origin itself, never `*`, even when every origin is allowed: the answer then also holds
  // for requests that carry credentials, and `Vary` keeps caches from mixing origins.
  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
  response.setHeader('Vary', 'Origin');
}

/** True for a CORS preflight request. */
export function isPreflight(request: IncomingMessage): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/** Answers a preflight for a path routed under `methods` (204, nothing else runs). */
export function answerPreflight(response: ServerResponse, methods: readonly string[]): void {
  response
    .writeHead(204, {
      'Access-Control-Allow-Methods': methods.join(', '),
      'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(', '),
      'Access-Control-Max-Age': String(CORS_MAX_AGE_S),
    })
    .end();
}
