// The page's three cookie endpoints beside the WebSocket: who the session is (GET /ui/session),
// logging in with a token or one-time code (POST /ui/login) and out (POST /ui/logout). All same
// origin, JSON; the session cookie itself is HttpOnly and never touched by script.
import { clockOffsetMs } from './server-clock';
import type { SessionPrincipal } from './types';

/** The `fetch` the page uses (the global one; tests pass their own). */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A failed session request: `status` is the HTTP status (0 when the server could not be reached). */
export class SessionError extends Error {
  override readonly name = 'SessionError';

  constructor(
    message: string,
    /** HTTP status, or 0 for a network failure. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** The session endpoints under `base` (the page's own URL, e.g. `http://host/ui/`). */
export class SessionApi {
  /** How far the server's clock is ahead of the page's, from the last session answer (server-clock.ts). */
  clockOffsetMs = 0;

  constructor(
    private readonly base: string,
    private readonly fetcher: Fetch,
  ) {}

  /** The logged-in principal, or undefined when there is no valid session (401). */
  async session(): Promise<SessionPrincipal | undefined> {
    const sentAt = Date.now();
    const response = await this.request('session', { method: 'GET' });
    this.clockOffsetMs = clockOffsetMs(response.headers.get('date'), sentAt, Date.now());
    if (response.status === 401) return undefined;
    await this.ensureOk(response, 'Reading the session');
    const body = (await response.json()) as { principal?: SessionPrincipal };
    if (!body.principal || typeof body.principal.kind !== 'string')
      throw new SessionError('The server answered /ui/session without a principal', response.status);
    return body.principal;
  }

  /** Exchanges a token or a one-time code for the session cookie. */
  async login(credentials: { token: string } | { code: string }): Promise<void> {
    const response = await this.request('login', postJson(credentials));
    if (response.status === 401)
      throw new SessionError(
        'token' in credentials ? 'Wrong token' : 'This login link is invalid or was used already',
        401,
      );
    await this.ensureOk(response, 'Logging in');
  }

  /** Ends the session. */
  async logout(): Promise<void> {
    await this.ensureOk(await this.request('logout', postJson({})), 'Logging out');
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetcher(new URL(path, this.base).href, {
        ...init,
        credentials: 'same-origin',
      });
    } catch (error) {
      throw new SessionError(`Cannot reach the server: ${(error as Error).message}`, 0);
    }
  }

  private async ensureOk(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    let detail = response.statusText;
    try {
      const body = (await response.json()) as { error?: { message?: string } | string; message?: string };
      detail = (typeof body.error === 'string' ? body.error : body.error?.message) ?? body.message ?? detail;
    } catch {
      // Not JSON: keep the status text.
    }
    throw new SessionError(`${what} failed: ${response.status} ${detail}`.trim(), response.status);
  }
}

/** A JSON POST: the server takes POST bodies only as `application/json`, an empty one included. */
function postJson(body: object): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The WebSocket URL of the page's orchflow connection: `ws` beside the page, ws: or wss:. */
export function websocketUrl(pageHref: string): string {
  const url = new URL('ws', pageHref);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.href;
}
