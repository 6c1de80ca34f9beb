// One token cannot hold every monitor session: with more than one token on the server, a principal
// holds at most half of `maxSessions` (rounded up), and its login past that ends its own least
// recently used session — one without an open page first, else the oldest, whose page's WebSocket
// closes as on logout — never someone else's. A server with one token keeps the whole pool for it.
// Below the share, the pool's rules stay: open pages are not ended by others' logins, and an
// admin's login may end a non-admin one.
import { ErrorCode, type Principal } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TokenAuthenticator } from '../src/auth';
import { UiSessions } from '../src/ui/ui-sessions';
import {
  codeOf,
  login,
  monitorSocketUrl,
  page,
  pageProtocols,
  startMonitor,
  VIEWER_TOKEN,
} from './monitor-harness';
import { TOKENS } from './transport-harness';

/** The page's WebSocket for `cookie`, open; `closed` resolves with its close code and reason. */
async function openPage(url: string, cookie: string) {
  const socket = new WebSocket(monitorSocketUrl(url), pageProtocols(cookie), {
    headers: { Origin: url, Cookie: cookie },
  });
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      isClosed = true;
      resolve({ code, reason: String(reason) });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed, isClosed: () => isClosed };
}

async function status(url: string, cookie: string): Promise<number> {
  return (await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).status;
}

describe('monitor sessions per principal', () => {
  it('keeps one token from holding every session: its own oldest page is closed instead', async () => {
    // Three tokens: each may hold ceil(4 / 2) = 2 of the 4 sessions.
    const { url, server } = await startMonitor({}, { maxSessions: 4 });
    const cookies: string[] = [];
    const pages: Awaited<ReturnType<typeof openPage>>[] = [];
    for (let i = 0; i < 4; i++) {
      const cookie = await login(url, { token: VIEWER_TOKEN });
      cookies.push(cookie);
      pages.push(await openPage(url, cookie));
    }
    // The third and fourth logins ended the viewer's own oldest sessions, open pages and all.
    expect(server.stats().monitorSessions).toBe(2);
    expect(await Promise.all(cookies.map((cookie) => status(url, cookie)))).toEqual([401, 401, 200, 200]);
    expect(await pages[0]?.closed).toEqual({ code: 1008, reason: 'session ended' });
    expect(await pages[1]?.closed).toEqual({ code: 1008, reason: 'session ended' });
    expect(pages[2]?.isClosed()).toBe(false);
    expect(pages[3]?.isClosed()).toBe(false);
    // The other tokens find room; the viewer's sessions stay.
    const agent = await login(url, { token: TOKENS.alice });
    const admin = await login(url, { token: TOKENS.admin });
    expect(await status(url, agent)).toBe(200);
    expect(await status(url, admin)).toBe(200);
    expect(await status(url, cookies[3] ?? '')).toBe(200);
    expect(server.stats().monitorSessions).toBe(4);
    for (const open of pages) open.socket.terminate();
  });

  it("ends the principal's own session without an open page before one with a page", async () => {
    const { url } = await startMonitor({}, { maxSessions: 4 });
    const watched = await login(url, { token: VIEWER_TOKEN });
    const open = await openPage(url, watched);
    const unwatched = await login(url, { token: VIEWER_TOKEN });
    // `watched` is the least recently used (an open page makes no requests), yet it stays.
    const third = await login(url, { token: VIEWER_TOKEN });
    expect(await status(url, unwatched)).toBe(401);
    expect(await status(url, watched)).toBe(200);
    expect(await status(url, third)).toBe(200);
    expect(open.isClosed()).toBe(false);
    open.socket.terminate();
  });

  it('keeps the open-page and admin rules below the share', async () => {
    const { url } = await startMonitor({}, { maxSessions: 4 });
    const admin = await login(url, { token: TOKENS.admin });
    const viewers = [await login(url, { token: VIEWER_TOKEN }), await login(url, { token: VIEWER_TOKEN })];
    const agent = await login(url, { token: TOKENS.alice });
    const pages = await Promise.all([admin, ...viewers, agent].map((cookie) => openPage(url, cookie)));
    // Every session has an open page and the agent holds 1 of its 2: its login is refused.
    const refused = await page(url, 'POST', '/ui/login', { token: TOKENS.alice });
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe(ErrorCode.Overloaded);
    expect(await Promise.all([admin, ...viewers, agent].map((cookie) => status(url, cookie)))).toEqual([
      200, 200, 200, 200,
    ]);
    // An admin's login ends the least recently used non-admin session, so Emergency Stop stays in reach.
    const rescuer = await login(url, { token: TOKENS.admin });
    expect(await pages[1]?.closed).toEqual({ code: 1008, reason: 'session ended' });
    expect(await Promise.all([admin, rescuer, viewers[1] ?? '', agent].map((c) => status(url, c)))).toEqual([
      200, 200, 200, 200,
    ]);
    for (const open of pages) open.socket.terminate();
  });

  it('gives the only token of a server the whole pool', async () => {
    const { url, server } = await startMonitor(
      { auth: TokenAuthenticator.single(TOKENS.admin) },
      { maxSessions: 3 },
    );
    const cookies = [];
    for (let i = 0; i < 3; i++) cookies.push(await login(url, { token: TOKENS.admin }));
    expect(server.stats().monitorSessions).toBe(3);
    expect(await Promise.all(cookies.map((cookie) => status(url, cookie)))).toEqual([200, 200, 200]);
  });
});

describe('UiSessions maxSessionsPerPrincipal', () => {
  const alice: Principal = { kind: 'agent', name: 'alice' };
  // The same name in another object: another token, so another principal.
  const aliceAgain: Principal = { kind: 'agent', name: 'alice' };

  it('counts principals by identity and ends only their own sessions', () => {
    const sessions = new UiSessions({ maxSessions: 10, maxSessionsPerPrincipal: 2, idleMs: 60_000 });
    const first = sessions.create(alice);
    const aborted = sessions.get(first.id, first.pageKey)?.signal;
    const second = sessions.create(alice);
    const other = sessions.create(aliceAgain);
    const third = sessions.create(alice);
    expect(aborted?.aborted).toBe(true);
    expect(sessions.get(first.id, first.pageKey)).toBeUndefined();
    expect(sessions.get(second.id, second.pageKey)?.principal).toBe(alice);
    expect(sessions.get(third.id, third.pageKey)?.principal).toBe(alice);
    expect(sessions.get(other.id, other.pageKey)?.principal).toBe(aliceAgain);
    expect(sessions.size).toBe(3);
  });

  it('refuses a share that is not a positive integer', () => {
    for (const maxSessionsPerPrincipal of [0, -1, 1.5]) {
      expect(() => new UiSessions({ maxSessions: 4, maxSessionsPerPrincipal, idleMs: 60_000 })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidParams }),
      );
    }
  });

  it('defaults to maxSessions', () => {
    const sessions = new UiSessions({ maxSessions: 3, idleMs: 60_000 });
    const made = [sessions.create(alice), sessions.create(alice), sessions.create(alice)];
    expect(made.every(({ id, pageKey }) => sessions.get(id, pageKey) !== undefined)).toBe(true);
  });
});
