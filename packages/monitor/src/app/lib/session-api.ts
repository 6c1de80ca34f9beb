// The page's three cookie endpoints beside the WebSocket: who the session is (GET /ui/session),
// logging in with a token or one-time code (POST /ui/login) and out (POST /ui/logout). All same
// origin, JSON; the session cookie itself is HttpOnly and never touched by script.
//
// The cookie alone opens nothing: cookies ignore ports, so a server on any other port of this host
// (a dev server an agent started) receives it whenever the browser asks it for a `/ui/…` path.
// The login also answers a page key, which the page keeps in its own origin's localStorage (which
// other ports cannot read) and sends beside the cookie: the `orchflow-page-key` header here, a
// subprotocol on the WebSocket (pageKeyProtocol).
// The wire names come from protocol's runtime entry, which holds no method schemas (no classic zod).
import { PAGE_KEY_HEADER, PAGE_KEY_PROTOCOL_PREFIX } from '@orchflow/protocol/runtime';
import { clockOffsetMs } from './server-clock';
import type { SessionPrincipal } from './types';

/** The `fetch` the page uses (the global one; tests pass their own). */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Where the page key is kept in localStorage. */
export const PAGE_KEY_STORAGE_ITEM = 'orchflow-monitor-page-key';

/** The subprotocol that carries `pageKey` on the page's WebSocket. */
export function pageKeyProtocol(pageKey: string): string {
  return `${PAGE_KEY_PROTOCOL_PREFIX}${pageKey}`;
}

/** What {@link pageKeyStore} uses of the browser's `Storage`. */
export interface KeyStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

/** Where the page keeps its session's page key. */
export interface PageKeyStore {
  get(): string | undefined;
  /** Stores `key`, or forgets it (undefined). */
  set(key: string | undefined): void;
}

/**
 * The page key kept in `storage` (the origin's localStorage: every tab of the monitor shares the
 * session, as they share its cookie), or in memory when there is no usable storage.
 */
export function pageKeyStore(storage?: KeyStorage): PageKeyStore {
  let memory: string | undefined;
  return {
    get() {
      try {
        return storage?.getItem(PAGE_KEY_STORAGE_ITEM) ?? memory;
      } catch {
        return memory;
      }
    },
    set(key) {
      memory = key;
      try {
        if (key === undefined) storage?.removeItem(PAGE_KEY_STORAGE_ITEM);
        else storage?.setItem(PAGE_KEY_STORAGE_ITEM, key);
      } catch {
        // Storage disabled or full: the key lives in memory (this tab) only.
      }
    },
  };
}

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
    /** Where the session's page key is kept. Default: this object's memory. */
    readonly pageKeys: PageKeyStore = pageKeyStore(),
  ) {}

  /** The logged-in principal, or undefined when there is no valid session (401). */
  async session(): Promise<SessionPrincipal | undefined> {
    const sentAt = Date.now();
    const response = await this.request('session', { method: 'GET', headers: this.keyHeader() });
    this.clockOffsetMs = clockOffsetMs(response.headers.get('date'), sentAt, Date.now());
    if (response.status === 401) return undefined;
    await this.ensureOk(response, 'Reading the session');
    const body = (await response.json()) as { principal?: SessionPrincipal };
    if (!body.principal || typeof body.principal.kind !== 'string')
      throw new SessionError('The server answered /ui/session without a principal', response.status);
    return body.principal;
  }

  /** Exchanges a token or a one-time code for the session cookie and its page key (kept). */
  async login(credentials: { token: string } | { code: string }): Promise<void> {
    const response = await this.request('login', postJson(credentials));
    if (response.status === 401)
      throw new SessionError(
        'token' in credentials ? 'Wrong token' : 'This login link is invalid or was used already',
        401,
      );
    await this.ensureOk(response, 'Logging in');
    let pageKey: unknown;
    if (response.status !== 204) {
      try {
        pageKey = ((await response.json()) as { pageKey?: unknown }).pageKey;
      } catch {
        pageKey = undefined;
      }
    }
    // A server that answers no key (204) opens sessions by their cookie alone.
    this.pageKeys.set(typeof pageKey === 'string' && pageKey !== '' ? pageKey : undefined);
  }

  /** Ends the session, and forgets its page key whatever the server answers. */
  async logout(): Promise<void> {
    const headers = this.keyHeader();
    this.pageKeys.set(undefined);
    const init = postJson({});
    await this.ensureOk(
      await this.request('logout', { ...init, headers: { ...headers, ...init.headers } }),
      'Logging out',
    );
  }

  /** The page key header of the current session (none without a key). */
  private keyHeader(): Record<string, string> {
    const key = this.pageKeys.get();
    return key === undefined ? {} : { [PAGE_KEY_HEADER]: key };
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
function postJson(body: object): RequestInit & { headers: Record<string, string> } {
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
