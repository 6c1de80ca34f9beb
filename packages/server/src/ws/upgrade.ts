// The checks an HTTP upgrade passes before it becomes a WebSocket connection, and the plain HTTP
// refusal (status + JSON error body carrying the orchflow error code) when it does not: browser
// origin not allowed (403), bad bearer token (401), connection limit reached (503).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, errorCodeName, type Principal } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';

/** Why an upgrade was refused. */
export interface UpgradeRefusal {
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
}

/** The outcome of the upgrade checks: refused, or accepted with the header's principal (if any). */
export type UpgradeVerdict = { refusal: UpgradeRefusal } | { principal: Principal | undefined };

/** What the checks need to know about the server. */
export interface UpgradePolicy {
  allowedOrigins: readonly string[];
  auth: TokenAuthenticator | undefined;
  connections: number;
  maxConnections: number;
}

/** Checks origin, connection limit and an `Authorization: Bearer` header, in that order. */
export function checkUpgrade(request: IncomingMessage, policy: UpgradePolicy): UpgradeVerdict {
  const origin = request.headers.origin;
  if (origin !== undefined && !originAllowed(origin, policy.allowedOrigins)) {
    return {
      refusal: {
        status: 403,
        code: ErrorCode.Forbidden,
        message: `Origin '${origin}' is not allowed; add it to the server's allowedOrigins (CLI --allow-origin)`,
      },
    };
  }
  const full = checkConnectionLimit(policy.connections, policy.maxConnections);
  if (full) return { refusal: full };
  const header = request.headers.authorization;
  // Without tokens the server has a fixed principal and a header changes nothing.
  if (header === undefined || !policy.auth) return { principal: undefined };
  const token = bearerToken(header);
  const principal = token === undefined ? undefined : policy.auth.lookup(token);
  if (principal) return { principal };
  return {
    refusal: {
      status: 401,
      code: ErrorCode.Unauthorized,
      message:
        token === undefined
          ? "Malformed Authorization header; send 'Authorization: Bearer <token>'"
          : 'The bearer token is not valid for this server; check the token you were given',
      headers: { 'WWW-Authenticate': 'Bearer' },
    },
  };
}

/** 503 when `connections` (open and upgrading) already reach `maxConnections`. */
export function checkConnectionLimit(
  connections: number,
  maxConnections: number,
): UpgradeRefusal | undefined {
  if (connections < maxConnections) return undefined;
  return {
    status: 503,
    code: ErrorCode.Overloaded,
    message: `The server is at its limit of ${maxConnections} connections; retry later`,
    headers: { 'Retry-After': '5' },
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** True when `origin` is listed, or the list holds `*`. */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}

/** Answers the upgrade request with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  const body = JSON.stringify({
    error: { code: refusal.code, codeName: errorCodeName(refusal.code), message: refusal.message },
  });
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...refusal.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${refusal.status} ${statusText(refusal.status)}\r\n${head}\r\n${body}`);
}

function statusText(status: number): string {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'Not Found';
  return 'Service Unavailable';
}
