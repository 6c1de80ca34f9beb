// `MonitorUi`: everything `HttpServer` serves under `/ui` — the monitor's static files, the cookie
// session endpoints (`/ui/login`, `/ui/logout`, `/ui/session`) and the WebSocket at `/ui/ws`. Every
// response carries the page's security headers (page-headers.ts). Requests that change state and
// WebSocket upgrades must come from the monitor's own origin (ui-request.ts), POSTs must be JSON.
// The WebSocket is handed to a `WebSocketServer` that does not listen itself, so connections from
// the page get the same limits, heartbeats, flow control and terminal leases as any WebSocket
// client; its principal is the session's, and logging out closes it. A session is opened by its
// cookie together with its page key (ui-sessions.ts): the key comes back from the login and the page
// sends it as a header, or as a subprotocol on the WebSocket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ErrorCode,
  OrchflowError,
  PAGE_KEY_HEADER,
  type Principal,
  PrincipalSchema,
} from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import { sendError, sendJson } from '../http/http-errors';
import { checkContentType } from '../http/http-gate';
import { refuseUpgrade } from '../ws/upgrade';
import type { WebSocketServer } from '../ws/ws-server';
import { DEFAULT_LOGIN_MAX_ADDRESSES, DEFAULT_LOGIN_WINDOW_MS, LoginLimiter } from './login-limiter';
import { setPageHeaders } from './page-headers';
import { StaticAssets } from './static-assets';
import { authenticateLogin, type LoginVerifier } from './ui-login';
import {
  checkUiOrigin,
  clearedSessionCookie,
  overTls,
  pageKeyOf,
  sessionCookie,
  sessionCookies,
  takeSocketPageKey,
  UI_PATH,
  type UiOriginPolicy,
} from './ui-request';
import { DEFAULT_LOGIN_CODE_TTL_MS, LoginCodes, type UiSession, UiSessions } from './ui-sessions';

/** What {@link MonitorUi} needs from its server. */
export interface MonitorUiOptions extends UiOriginPolicy {
  /** Where the built monitor lives, or how to find it (resolved by `prepare()`). */
  assetsDir: string | (() => Promise<string>);
  auth: TokenAuthenticator | undefined;
  /** The principal of a server without tokens (what its login codes stand for by default). */
  principal: Principal | undefined;
  webSocket: WebSocketServer;
  /** Open monitor sessions; a login past it ends the least recently used one without an open page. */
  maxSessions: number;
  /**
   * Monitor sessions one principal (one token) may hold; its login past it ends its own least
   * recently used session, so one token cannot lock the others out. Default `maxSessions`.
   */
  maxSessionsPerPrincipal?: number;
  sessionIdleMs: number;
  /** How long a session lasts from its login, however active. */
  sessionLifetimeMs: number;
  maxLoginFailures: number;
  /** `Secure` on the session cookie whatever the request came over (the page is behind a TLS proxy). */
  secureCookie?: boolean;
  /**
   * Judges login tokens that `auth` only stands in for (a cluster gateway asks its nodes; see
   * {@link LoginVerifier}); `/ui/session` then shows the principal it resolves with.
   */
  verifyLogin?: LoginVerifier;
}

/** The monitor's routes on an HTTP listener. */
export class MonitorUi {
  private assets: StaticAssets | undefined;
  private readonly sessions: UiSessions;
  private readonly codes = new LoginCodes();
  private readonly limiter: LoginLimiter;

  constructor(private readonly options: MonitorUiOptions) {
    this.sessions = new UiSessions({
      maxSessions: options.maxSessions,
      maxSessionsPerPrincipal: options.maxSessionsPerPrincipal,
      idleMs: options.sessionIdleMs,
      lifetimeMs: options.sessionLifetimeMs,
    });
    this.limiter = new LoginLimiter({
      maxFailures: options.maxLoginFailures,
      windowMs: DEFAULT_LOGIN_WINDOW_MS,
      maxAddresses: DEFAULT_LOGIN_MAX_ADDRESSES,
    });
  }

  /** True for `/ui` and every path below it. */
  static owns(url: string | undefined): boolean {
    const path = (url ?? '').split('?')[0] ?? '';
    return path === UI_PATH || path.startsWith(`${UI_PATH}/`);
  }

  /** Open monitor sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Finds and checks the assets directory; throws InvalidParams when the monitor is not built there. */
  async prepare(): Promise<void> {
    const dir = this.options.assetsDir;
    this.assets ??= await StaticAssets.open(typeof dir === 'string' ? dir : await dir());
  }

  /**
   * Mints a one-time login code for `principal` (default: the first admin token's principal, or
   * the server's own principal when it has no tokens).
   */
  createLoginCode(
    principal: Principal | undefined,
    ttlMs = DEFAULT_LOGIN_CODE_TTL_MS,
  ): { code: string; expiresAt: Date } {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `ttlMs must be a positive number of milliseconds (got ${ttlMs})`,
      );
    }
    if (principal !== undefined && !PrincipalSchema.safeParse(principal).success) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        "principal must be { kind: 'admin' }, an agent principal or { kind: 'viewer' }",
      );
    }
    // The caller's own object is kept, not a parsed copy: a policy bound to it (ConnectionPolicy.bind) stays.
    const who =
      principal ??
      this.options.auth?.principals.find((p) => p.kind === 'admin') ??
      (this.options.auth ? undefined : this.options.principal);
    if (!who) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        'No admin token is configured to stand behind a login code; pass the principal the code logs in as',
      );
    }
    return this.codes.create(who, ttlMs);
  }

  /** Answers a request under `/ui`; errors it throws are answered by the caller. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setPageHeaders(response);
    const method = request.method ?? 'GET';
    const mutating = method !== 'GET' && method !== 'HEAD';
    const refused = checkUiOrigin(request, this.options, mutating);
    if (refused) {
      response.setHeader('Connection', 'close');
      sendError(response, refused);
      return;
    }
    const path = (request.url ?? '').split('?')[0] ?? '';
    // Everything but the session endpoints is a file: GET (or HEAD) only.
    const route = ROUTES[path] ?? 'GET';
    if (route !== method && !(route === 'GET' && method === 'HEAD')) {
      response.setHeader('Connection', 'close');
      sendError(
        response,
        new OrchflowError(ErrorCode.MethodNotFound, `${method} is not supported on ${path}; use ${route}`),
        405,
        { Allow: route === 'GET' ? 'GET, HEAD' : route },
      );
      return;
    }
    const badType = mutating ? checkContentType(request) : undefined;
    if (badType) {
      response.setHeader('Connection', 'close');
      sendError(response, badType.error, badType.status);
      return;
    }
    if (path === `${UI_PATH}/login`) return this.login(request, response);
    if (path === `${UI_PATH}/logout`) return this.logout(request, response);
    if (path === `${UI_PATH}/session`) return this.session(request, response);
    if (path === `${UI_PATH}/ws`) {
      sendError(
        response,
        new OrchflowError(
          ErrorCode.InvalidRequest,
          `${UI_PATH}/ws is the monitor's WebSocket; connect with one`,
        ),
        426,
        { Upgrade: 'websocket' },
      );
      return;
    }
    if (path === UI_PATH) {
      // The page loads `./assets/…`, which from `/ui` would resolve to `/assets/…`: send the browser
      // to `/ui/` (relative, so a proxy's path prefix stays; the query is kept and a `#code=…`
      // fragment survives a redirect).
      const query = (request.url ?? '').slice(path.length);
      response.writeHead(308, { Location: `${UI_PATH.slice(1)}/${query}` }).end();
      return;
    }
    if (!this.assets)
      throw new OrchflowError(ErrorCode.InvalidState, 'The monitor is not ready: start() the server');
    const rawPath = path.slice(UI_PATH.length + 1);
    await this.assets.serve(request, response, rawPath);
  }

  /** Takes an HTTP upgrade to `/ui/ws` (anything else is 404): own Origin and a session cookie needed. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    const refusal = (status: number, error: OrchflowError) =>
      refuseUpgrade(socket, { status, code: error.code, message: error.message });
    if (path !== `${UI_PATH}/ws`) {
      refusal(404, new OrchflowError(ErrorCode.MethodNotFound, `No WebSocket at ${path}; use ${UI_PATH}/ws`));
      return;
    }
    const refused = checkUiOrigin(request, this.options, true);
    if (refused) {
      refusal(403, refused);
      return;
    }
    const found = this.currentSession(request, takeSocketPageKey(request));
    if (!found || 'refused' in found) {
      refusal(401, found?.refused ?? notLoggedIn());
      return;
    }
    this.sessions.hold(found.id, socket);
    this.options.webSocket.handleUpgrade(request, socket, head, found.session.principal, {
      signal: found.session.signal,
    });
  }

  /** Ends every session (and so their WebSockets). */
  stop(): void {
    this.sessions.clear();
  }

  private async login(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let who: { principal: Principal; shown: Principal };
    try {
      who = await authenticateLogin(request, {
        auth: this.options.auth,
        codes: this.codes,
        limiter: this.limiter,
        verify: this.options.verifyLogin,
      });
    } catch (error) {
      const seconds = (OrchflowError.from(error).data as { retryAfterSeconds?: number } | undefined)
        ?.retryAfterSeconds;
      if (seconds === undefined) throw error;
      sendError(response, error, 429, { 'Retry-After': String(seconds) });
      return;
    }
    const { id, pageKey } = this.sessions.create(who.principal, who.shown);
    // The page key goes in the body, never in a cookie: the page keeps it in its origin's storage.
    sendJson(response, 200, { pageKey }, { 'Set-Cookie': sessionCookie(id, this.secure(request)) });
  }

  private async logout(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Only the page that holds the key ends the session; the cookie is cleared either way.
    for (const id of sessionCookies(request)) this.sessions.revoke(id, pageKeyOf(request));
    response
      .writeHead(204, {
        'Set-Cookie': clearedSessionCookie(this.secure(request)),
        'Cache-Control': 'no-store',
      })
      .end();
  }

  private async session(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const found = this.currentSession(request, pageKeyOf(request));
    if (!found || 'refused' in found) {
      sendError(response, found?.refused ?? notLoggedIn());
      return;
    }
    sendJson(response, 200, { principal: found.session.shown });
  }

  /** Whether the cookie set on this answer is `Secure`: configured so, or the request came over TLS. */
  private secure(request: IncomingMessage): boolean {
    return this.options.secureCookie === true || overTls(request);
  }

  /**
   * The session the request's cookie names. Two cookies naming two live sessions are refused:
   * this server sets one cookie, so the other was set by another page of this host (cookies do not
   * tell ports apart), and taking either could put the person in someone else's session. The
   * one live session opens only with its page key (`pageKey`): without it the request is refused
   * like one without a session, and the session is not marked used.
   */
  private currentSession(
    request: IncomingMessage,
    pageKey: string | undefined,
  ): { id: string; session: UiSession } | { refused: OrchflowError } | undefined {
    let live: string | undefined;
    for (const id of sessionCookies(request)) {
      if (!this.sessions.has(id) || live === id) continue;
      if (live !== undefined) return { refused: twoSessions() };
      live = id;
    }
    if (live === undefined) return undefined;
    const session = this.sessions.get(live, pageKey);
    return session ? { id: live, session } : { refused: noPageKey() };
  }
}

/** The method each session endpoint answers. */
const ROUTES: Readonly<Record<string, string>> = {
  [`${UI_PATH}/login`]: 'POST',
  [`${UI_PATH}/logout`]: 'POST',
  [`${UI_PATH}/session`]: 'GET',
  [`${UI_PATH}/ws`]: 'GET',
};

function twoSessions(): OrchflowError {
  return new OrchflowError(
    ErrorCode.Unauthorized,
    'The request carries two monitor session cookies: another page on this host (another port) set one, ' +
      "and neither is accepted. Clear this site's cookies in the browser, then log in again",
  );
}

function noPageKey(): OrchflowError {
  return new OrchflowError(
    ErrorCode.Unauthorized,
    `The session cookie came without the page key its login returned (the ${PAGE_KEY_HEADER} header, ` +
      'or a WebSocket subprotocol): a cookie alone opens no session. Log in again from the monitor page',
  );
}

function notLoggedIn(): OrchflowError {
  return new OrchflowError(
    ErrorCode.Unauthorized,
    `Not logged in to the monitor: POST ${UI_PATH}/login with { token } or { code } first`,
  );
}
