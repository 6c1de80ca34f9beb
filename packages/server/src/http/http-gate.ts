// The checks an HTTP request passes before its route runs, each answering with its own status:
// a browser origin not on the allowlist (403), a known path asked with the wrong method (405 with
// `Allow`), an unknown path (404), a POST whose body is not declared JSON (415). The origin and
// content-type checks are what stop a page on another site from driving a loopback server: a
// cross-site "simple" POST (text/plain, no preflight) is refused before anything runs.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { originAllowed } from '../ws/upgrade';
import { isMessageStream, NDJSON_MEDIA_TYPE } from './rpc-upload';

/** A request refused before routing: the status, the error for the body, extra headers. */
export interface GateRefusal {
  status: number;
  error: OrchflowError;
  headers?: Record<string, string>;
}

/** Methods the server routes. */
export const ROUTED_METHODS = ['GET', 'POST', 'DELETE'] as const;

/** 403 when the request carries an `Origin` (it comes from a browser page) that is not allowed. */
export function checkOrigin(
  request: IncomingMessage,
  allowedOrigins: readonly string[],
): GateRefusal | undefined {
  const origin = request.headers.origin;
  if (origin === undefined || originAllowed(origin, allowedOrigins)) return undefined;
  return {
    status: 403,
    error: new OrchflowError(
      ErrorCode.Forbidden,
      `Origin '${origin}' is not allowed; add it to the server's allowedOrigins (CLI --allow-origin)`,
    ),
  };
}

/**
 * 415 for a POST without `Content-Type: application/json` (`application/x-ndjson` on a session's
 * message stream). Neither is a type a page may send cross-site without a preflight.
 */
export function checkContentType(request: IncomingMessage): GateRefusal | undefined {
  if (request.method !== 'POST') return undefined;
  const [media, ...params] = (request.headers['content-type'] ?? '').split(';');
  const type = media?.trim().toLowerCase();
  const expected = isMessageStream(request) ? NDJSON_MEDIA_TYPE : 'application/json';
  if (type === expected) {
    // JSON is UTF-8 (RFC 8259): a body declared in another charset would be read wrongly, not refused.
    const charset = params
      .map((param) => param.trim().toLowerCase())
      .find((param) => param.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/^"(.*)"$/, '$1');
    if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return undefined;
    return {
      status: 415,
      error: new OrchflowError(
        ErrorCode.InvalidRequest,
        `POST bodies must be UTF-8 JSON (got charset '${charset.slice(0, 40)}'); send 'Content-Type: ${expected}'`,
      ),
    };
  }
  return {
    status: 415,
    error: new OrchflowError(
      ErrorCode.InvalidRequest,
      `This POST's body must be sent with 'Content-Type: ${expected}' (got ${type ? `'${type}'` : 'none'})`,
    ),
  };
}

/**
 * The refusal of a request no route matched: 405 with `Allow` when the path exists under other
 * methods (`allowedFor` lists them), else 404.
 */
export function unrouted(request: IncomingMessage, allowed: readonly string[]): GateRefusal {
  const path = request.url?.split('?')[0];
  if (allowed.length > 0) {
    return {
      status: 405,
      error: new OrchflowError(
        ErrorCode.MethodNotFound,
        `${request.method} is not supported on ${path}; use ${allowed.join(' or ')}`,
      ),
      headers: { Allow: allowed.join(', ') },
    };
  }
  return {
    status: 404,
    error: new OrchflowError(
      ErrorCode.MethodNotFound,
      `No route for ${request.method} ${path}; see GET /v1/health and the /v1/terminals routes`,
    ),
  };
}
