// The monitor's cookie sessions and one-time login codes, both in memory and both bounded. A
// session id and a code are 256 random bits; only their SHA-256 digests are stored, so a lookup's
// timing says nothing about the ids the server holds. A session ends on logout, on idle expiry (no
// request and no open WebSocket for `idleMs`), at the end of its lifetime (`lifetimeMs` after its
// login, however busy, so a stolen or forgotten session cannot be kept alive for ever) or, when
// `maxSessions` are open and someone logs in, as the least recently used one without an open
// WebSocket: an open page makes no requests, so recency alone would end the page a person is
// watching. When every session has an open page, an admin's login ends the least recently used
// non-admin one (a person who needs Emergency Stop can log in unless every open page is an
// admin's); any other login is refused. So that one token cannot hold every session and lock the
// others out, a principal holds at most `maxSessionsPerPrincipal`: its login past that ends its own
// least recently used session (one without an open page first), never someone else's. Ending a
// session aborts its signal, which closes its WebSockets.
//
// A session has two secrets: its id, which travels in the cookie, and its page key, which the page
// keeps in its origin's localStorage and sends beside the cookie (a header, or a WebSocket
// subprotocol). Cookies ignore ports, so a server on any other port of this host receives the
// cookie whenever the browser requests a `/ui/…` path there; the page key stays with the monitor's
// own origin, and the cookie alone opens nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ErrorCode, MAX_TIMER_MS, OrchflowError, type Principal } from '@orchflow/protocol';

/** Default most open monitor sessions. */
export const DEFAULT_UI_MAX_SESSIONS = 64;
/** Default idle time (no request, no open WebSocket) after which a session ends: 30 minutes. */
export const DEFAULT_UI_SESSION_IDLE_MS = 30 * 60_000;
/**
 * Default absolute lifetime of a session: 12 hours from its login, a working day with room to
 * spare, after which even a busy session must log in again.
 */
export const DEFAULT_UI_SESSION_LIFETIME_MS = 12 * 3_600_000;
/** Longest session lifetime: what one `setTimeout` can wait (about 24.8 days). */
export const MAX_UI_SESSION_LIFETIME_MS = MAX_TIMER_MS;
/** The close reason of a session's WebSockets when its lifetime is over (the page logs in again). */
export const SESSION_LIFETIME_CLOSE_REASON = 'session lifetime over: log in again';
/** Default lifetime of a one-time login code: 10 minutes. */
export const DEFAULT_LOGIN_CODE_TTL_MS = 10 * 60_000;
/** Most unused login codes kept; minting past it forgets the oldest. */
export const MAX_LOGIN_CODES = 32;

/** A logged-in monitor session. */
export interface UiSession {
  /** Who the session acts as (the principal its WebSocket connections get). */
  readonly principal: Principal;
  /**
   * Who `/ui/session` says is logged in: the principal itself, or (through a cluster gateway,
   * whose sessions act as a stand-in for the forwarded token) the principal the nodes answered.
   */
  readonly shown: Principal;
  /** Aborted when the session ends (logout, expiry, eviction, server stop). */
  readonly signal: AbortSignal;
}

interface SessionEntry {
  principal: Principal;
  shown: Principal;
  /** SHA-256 of the page key. */
  pageKey: Buffer;
  controller: AbortController;
  lastSeen: number;
  sockets: number;
  /** When the session's lifetime is over (ms since the epoch). */
  endsAt: number;
  /** Ends the session at `endsAt`, open WebSockets or not. */
  timer: NodeJS.Timeout;
}

function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function keyDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The two secrets of a new session: the cookie's value and the page's key. */
export interface NewSession {
  /** The session id (the cookie value). */
  id: string;
  /** The page key the page sends beside the cookie; never in a cookie. */
  pageKey: string;
}

/** A new 256-bit secret, URL-safe base64 (43 characters). */
function secret(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookie sessions of the monitor, bounded in count, idle time and lifetime. */
export class UiSessions {
  // Insertion order is recency order: a touched session is moved to the end.
  private readonly entries = new Map<string, SessionEntry>();

  constructor(
    private readonly options: {
      maxSessions: number;
      /**
       * Sessions one principal (one token: principals are told apart by identity) may hold; its
       * login past it ends its own least recently used one. Default `maxSessions`.
       */
      maxSessionsPerPrincipal?: number;
      idleMs: number;
      /** How long a session lasts from its login, however busy. Default {@link DEFAULT_UI_SESSION_LIFETIME_MS}. */
      lifetimeMs?: number;
    },
  ) {
    const lifetime = options.lifetimeMs;
    if (
      lifetime !== undefined &&
      !(Number.isInteger(lifetime) && lifetime > 0 && lifetime <= MAX_UI_SESSION_LIFETIME_MS)
    ) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `lifetimeMs must be a positive integer of milliseconds, at most ${MAX_UI_SESSION_LIFETIME_MS} (about 24.8 days) (got ${lifetime})`,
      );
    }
    const share = options.maxSessionsPerPrincipal;
    if (share !== undefined && !(Number.isInteger(share) && share > 0)) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `maxSessionsPerPrincipal must be a positive integer (got ${share}); leave it out to share all of maxSessions`,
      );
    }
  }

  /** Open sessions. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Starts a session for `principal` (reported as `shown`); returns its id (the cookie value) and
   * its page key.
   * Ends `principal`'s own least recently used session when it holds its share. Throws Overloaded
   * when the bound is reached and no session may be ended for it.
   */
  create(principal: Principal, shown: Principal = principal): NewSession {
    this.expireIdle();
    const share = this.options.maxSessionsPerPrincipal ?? this.options.maxSessions;
    const own = this.sessionsOf(principal);
    while (own.length >= share) {
      const victim = own.find((key) => this.entries.get(key)?.sockets === 0) ?? (own[0] as string);
      own.splice(own.indexOf(victim), 1);
      this.end(victim);
    }
    while (this.entries.size >= this.options.maxSessions) {
      const victim = this.evictable(shown.kind === 'admin');
      if (victim === undefined) {
        throw new OrchflowError(
          ErrorCode.Overloaded,
          `The monitor holds its limit of ${this.options.maxSessions} sessions, each with an open page; close a monitor page or log out of one, then log in again`,
        );
      }
      this.end(victim);
    }
    const id = secret();
    const pageKey = secret();
    const key = digest(id);
    const lifetimeMs = this.options.lifetimeMs ?? DEFAULT_UI_SESSION_LIFETIME_MS;
    // Ends the session (closing its open WebSockets) on time even if no request comes to notice.
    const timer = setTimeout(() => this.end(key, SESSION_LIFETIME_CLOSE_REASON), lifetimeMs);
    timer.unref();
    const now = Date.now();
    this.entries.set(key, {
      principal,
      shown,
      pageKey: keyDigest(pageKey),
      controller: new AbortController(),
      lastSeen: now,
      sockets: 0,
      endsAt: now + lifetimeMs,
      timer,
    });
    return { id, pageKey };
  }

  /** True when `id` names a live session (whatever key comes with it); does not mark it used. */
  has(id: string | undefined): boolean {
    return id !== undefined && this.live(digest(id)) !== undefined;
  }

  /**
   * The live session `id` names when `pageKey` is its page key (and marks it used now), or
   * undefined: a cookie without its page's key opens nothing and keeps nothing alive.
   */
  get(id: string | undefined, pageKey: string | undefined): UiSession | undefined {
    if (id === undefined) return undefined;
    const key = digest(id);
    const entry = this.live(key);
    if (!entry || !keyMatches(entry, pageKey)) return undefined;
    entry.lastSeen = Date.now();
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { principal: entry.principal, shown: entry.shown, signal: entry.controller.signal };
  }

  /** Counts `socket` (an accepted WebSocket's connection) as keeping session `id` alive until it closes. */
  hold(id: string, socket: Duplex): void {
    const entry = this.entries.get(digest(id));
    if (!entry) return;
    entry.sockets++;
    socket.once('close', () => {
      entry.sockets--;
      entry.lastSeen = Date.now();
    });
  }

  /** Ends session `id` when `pageKey` is its page key; false when there was no such session. */
  revoke(id: string | undefined, pageKey: string | undefined): boolean {
    if (id === undefined) return false;
    const key = digest(id);
    const entry = this.entries.get(key);
    if (!entry || !keyMatches(entry, pageKey)) return false;
    this.end(key);
    return true;
  }

  /** The entry under `key` unless it is missing, idle or past its lifetime (then it is ended). */
  private live(key: string): SessionEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.idle(entry)) {
      this.end(key);
      return undefined;
    }
    // The timer may not have run yet (a busy event loop): the clock decides.
    if (Date.now() >= entry.endsAt) {
      this.end(key, SESSION_LIFETIME_CLOSE_REASON);
      return undefined;
    }
    return entry;
  }

  /** Ends every session (server stop). */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.end(key);
  }

  /**
   * The session a new login may end: the least recently used one without an open WebSocket; for
   * an admin's login, failing that, the least recently used non-admin one.
   */
  private evictable(forAdmin: boolean): string | undefined {
    for (const [key, entry] of this.entries) if (entry.sockets === 0) return key;
    if (forAdmin) for (const [key, entry] of this.entries) if (entry.shown.kind !== 'admin') return key;
    return undefined;
  }

  /** Keys of `principal`'s sessions, least recently used first. */
  private sessionsOf(principal: Principal): string[] {
    const keys: string[] = [];
    for (const [key, entry] of this.entries) if (entry.principal === principal) keys.push(key);
    return keys;
  }

  private idle(entry: SessionEntry): boolean {
    return entry.sockets === 0 && Date.now() - entry.lastSeen > this.options.idleMs;
  }

  private expireIdle(): void {
    for (const [key, entry] of this.entries) if (this.idle(entry)) this.end(key);
  }

  /** Ends the session under `key`; `reason` becomes its WebSockets' close reason. */
  private end(key: string, reason?: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    clearTimeout(entry.timer);
    entry.controller.abort(reason);
  }
}

/** True when `pageKey` is the page key of `entry` (compared as digests, in constant time). */
function keyMatches(entry: SessionEntry, pageKey: string | undefined): boolean {
  return pageKey !== undefined && timingSafeEqual(entry.pageKey, keyDigest(pageKey));
}

/** One-time login codes: each names a principal, works once, and expires. */
export class LoginCodes {
  private readonly codes = new Map<string, { principal: Principal; expiresAt: number }>();

  /** Mints a code for `principal` valid for `ttlMs`. */
  create(principal: Principal, ttlMs: number): { code: string; expiresAt: Date } {
    const now = Date.now();
    for (const [key, entry] of this.codes) if (entry.expiresAt <= now) this.codes.delete(key);
    while (this.codes.size >= MAX_LOGIN_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = secret();
    const expiresAt = now + ttlMs;
    this.codes.set(digest(code), { principal, expiresAt });
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** The principal of `code` if it is unused and unexpired; it is used up either way. */
  redeem(code: string): Principal | undefined {
    const key = digest(code);
    const entry = this.codes.get(key);
    this.codes.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.principal : undefined;
  }
}
