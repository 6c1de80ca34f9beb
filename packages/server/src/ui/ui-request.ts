// What the monitor's routes read from a request: the session cookie, and whether the request comes
// from the monitor's own page. Cookies ignore ports, so any page on this host (another dev server
// on another port is the same *site*) gets the SameSite=Strict cookie sent along; the `Origin`
// check is what tells the monitor's page from those: it must equal the origin the request was sent
// to (scheme + its Host header), or one listed in allowedOrigins (never via `*`). On a loopback
// bind the Host header must name loopback too, so a DNS-rebinding name cannot pose as the origin.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ErrorCode, OrchflowError, PAGE_KEY_HEADER, PAGE_KEY_PROTOCOL_PREFIX } from '@orchflow/protocol';
import { isLoopbackHost } from '../auth';

/** The monitor's session cookie. */
export const SESSION_COOKIE = 'orchflow_session';
/** The path the cookie is scoped to. */
export const UI_PATH = '/ui';

/** True when the request arrived over TLS (the cookie then gets `Secure`). */
export function overTls(request: IncomingMessage): boolean {
  return (request.socket as Partial<TLSSocket>).encrypted === true;
}

/** Values of the session cookie the request carries (normally one). */
export function sessionCookies(request: IncomingMessage): string[] {
  const header = request.headers.cookie;
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== SESSION_COOKIE) continue;
    values.push(pair.slice(at + 1).trim());
    // A header stuffed with copies costs one digest each: stop early.
    if (values.length >= 4) break;
  }
  return values;
}

/** The page key of an HTTP request (its {@link PAGE_KEY_HEADER}), or undefined. */
export function pageKeyOf(request: IncomingMessage): string | undefined {
  const value = request.headers[PAGE_KEY_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The page key a WebSocket upgrade offers as a subprotocol, removed from the request's
 * `Sec-WebSocket-Protocol` (the header goes when nothing else was offered); undefined without one.
 */
export function takeSocketPageKey(request: IncomingMessage): string | undefined {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return undefined;
  let key: string | undefined;
  const rest: string[] = [];
  for (const raw of header.split(',')) {
    const protocol = raw.trim();
    if (protocol.startsWith(PAGE_KEY_PROTOCOL_PREFIX))
      key ??= protocol.slice(PAGE_KEY_PROTOCOL_PREFIX.length);
    else if (protocol !== '') rest.push(protocol);
  }
  if (rest.length > 0) request.headers['sec-websocket-protocol'] = rest.join(', ');
  else delete request.headers['sec-websocket-protocol'];
  return key === '' ? undefined : key;
}

/** The `Set-Cookie` value that stores session `id`. */
export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=${UI_PATH}${secure ? '; Secure' : ''}`;
}

/** The `Set-Cookie` value that deletes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=${UI_PATH}; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** `scheme://host[:port]` the request was sent to, from its Host header; undefined without one. */
export function ownOrigin(request: IncomingMessage): string | undefined {
  const host = request.headers.host;
  if (host === undefined || host === '') return undefined;
  return `${overTls(request) ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** What the origin check needs to know about the server. */
export interface UiOriginPolicy {
  /** The interface the server is bound to. */
  bindHost: string;
  /** Origins besides the page's own that may drive the monitor (`*` is ignored). */
  allowedOrigins: readonly string[];
  /**
   * The page is reached over HTTPS through a TLS-terminating proxy (`ui.secureCookie`): the
   * `https://` origin of the request's Host is the page's own too.
   */
  secureCookie?: boolean;
}

/**
 * Forbidden when the request's Host is not loopback on a loopback bind, when it carries a foreign
 * Origin, or — `originRequired` (mutating requests, WebSocket upgrades) — carries none.
 */
export function checkUiOrigin(
  request: IncomingMessage,
  policy: UiOriginPolicy,
  originRequired: boolean,
): OrchflowError | undefined {
  const host = request.headers.host;
  if (isLoopbackHost(policy.bindHost) && (host === undefined || !isLoopbackHost(hostname(host)))) {
    return new OrchflowError(
      ErrorCode.Forbidden,
      `Host '${host ?? ''}' is not this loopback server; open the monitor at http://127.0.0.1 or http://localhost`,
    );
  }
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (!originRequired) return undefined;
    return new OrchflowError(
      ErrorCode.Forbidden,
      "This request changes the monitor's state and must carry the monitor page's Origin header",
    );
  }
  const lower = origin.toLowerCase();
  if (lower === ownOrigin(request) || policy.allowedOrigins.includes(origin)) return undefined;
  if (policy.secureCookie && host !== undefined && lower === `https://${host.toLowerCase()}`)
    return undefined;
  return new OrchflowError(
    ErrorCode.Forbidden,
    `Origin '${origin}' is not the monitor's own origin; open the monitor from this server, or add the origin to allowedOrigins (CLI --allow-origin)`,
  );
}

/** The host name of a Host header value (`[::1]:80` → `::1`). */
function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
