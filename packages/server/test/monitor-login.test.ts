// The web monitor's cookie login (HttpServer `ui`): a token or a one-time code becomes an HttpOnly,
// SameSite=Strict session cookie scoped to /ui; the session names its principal; codes work once
// and expire; logout, idle expiry and the session bound end sessions; failed logins are limited
// per address; every state change must come from the page's own origin as JSON.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { HttpServer } from '../src/http/http-server';
import { codeOf, login, page, pageClient, rawRequest, startMonitor, VIEWER_TOKEN } from './monitor-harness';
import { TOKENS, testOrchestrator } from './transport-harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('monitor login', () => {
  it('exchanges a token for a session cookie that names its principal', async () => {
    const { url } = await startMonitor();
    const answer = await page(url, 'POST', '/ui/login', { token: TOKENS.admin });
    expect(answer.status).toBe(200);
    // The page key comes in the body (never in a cookie): 256 random bits, base64url.
    const pageKey = answer.body?.pageKey as string;
    expect(pageKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    // 256 random bits, base64url; HttpOnly and SameSite=Strict on /ui; not Secure over plain HTTP.
    expect(setCookie).toMatch(/^orchflow_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/ui$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const cookie = setCookie.split(';')[0] ?? '';
    const session = await page(url, 'GET', '/ui/session', undefined, {
      Cookie: cookie,
      'orchflow-page-key': pageKey,
    });
    expect(session).toMatchObject({ status: 200, body: { principal: { kind: 'admin', name: 'ops' } } });
    // Two logins are two sessions.
    expect(await login(url, { token: TOKENS.admin })).not.toBe(cookie);
  });

  it('gives a viewer token a viewer session and an agent token an agent session', async () => {
    const { url } = await startMonitor();
    const viewer = await login(url, { token: VIEWER_TOKEN });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: viewer })).body).toEqual({
      principal: { kind: 'viewer', name: 'watcher' },
    });
    const agent = await login(url, { token: TOKENS.alice });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: agent })).body).toMatchObject({
      principal: { kind: 'agent', name: 'alice' },
    });
  });

  it('refuses a bad token, a bad body and no session with typed JSON errors', async () => {
    const { url } = await startMonitor();
    const bad = await page(url, 'POST', '/ui/login', { token: 'not-a-token-0123456789' });
    expect(bad.status).toBe(401);
    expect(codeOf(bad)).toBe(ErrorCode.Unauthorized);
    expect(bad.headers.get('set-cookie')).toBeNull();
    for (const body of [{}, { token: 1 }, { token: TOKENS.admin, code: 'x' }, { password: 'x' }]) {
      const answer = await page(url, 'POST', '/ui/login', body);
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe(ErrorCode.InvalidParams);
    }
    const none = await page(url, 'GET', '/ui/session');
    expect(none.status).toBe(401);
    expect(codeOf(none)).toBe(ErrorCode.Unauthorized);
    const forged = await page(url, 'GET', '/ui/session', undefined, { Cookie: 'orchflow_session=forged' });
    expect(forged.status).toBe(401);
    expect((await page(url, 'GET', '/ui/login')).status).toBe(405);
    const huge = await page(url, 'POST', '/ui/login', { token: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(codeOf(huge)).toBe(ErrorCode.PayloadTooLarge);
  });

  it('refuses state changes from another origin, without an Origin, or not sent as JSON', async () => {
    const { url } = await startMonitor();
    // Another port of the same host is the same *site*: SameSite would send the cookie, Origin stops it.
    const otherPort = url.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`);
    for (const origin of ['https://evil.example', otherPort, 'null']) {
      const answer = await page(url, 'POST', '/ui/login', { token: TOKENS.admin }, { Origin: origin });
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toBe(ErrorCode.Forbidden);
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    const noOrigin = await fetch(`${url}/ui/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: TOKENS.admin }),
    });
    expect(noOrigin.status).toBe(403);
    const text = await page(url, 'POST', '/ui/login', undefined, { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const cookie = await login(url, { token: TOKENS.admin });
    const logout = await page(
      url,
      'POST',
      '/ui/logout',
      {},
      { Cookie: cookie, Origin: 'https://evil.example' },
    );
    expect(logout.status).toBe(403);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).status).toBe(200);
    // A DNS-rebinding name for this loopback server: Origin and Host agree, but the Host is not loopback.
    const { port } = new URL(url);
    const rebound = await rawRequest(url, '/ui/login', {
      method: 'POST',
      headers: {
        Host: `evil.example:${port}`,
        Origin: `http://evil.example:${port}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ token: TOKENS.admin }),
    });
    expect(rebound.status).toBe(403);
    expect(rebound.headers['set-cookie']).toBeUndefined();
    // The same request under the server's own name is the page's own.
    const own = await rawRequest(url, '/ui/login', {
      method: 'POST',
      headers: {
        Host: `localhost:${port}`,
        Origin: `http://localhost:${port}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ token: TOKENS.admin }),
    });
    expect(own.status).toBe(200);
  });

  it('accepts an origin the server lists (allowedOrigins) besides its own', async () => {
    const { url } = await startMonitor({ allowedOrigins: ['https://ops.example'] });
    const answer = await page(
      url,
      'POST',
      '/ui/login',
      { token: TOKENS.admin },
      { Origin: 'https://ops.example' },
    );
    expect(answer.status).toBe(200);
  });

  it('logs out: the session ends and the cookie is cleared', async () => {
    const { url, server } = await startMonitor();
    const cookie = await login(url, { token: TOKENS.admin });
    expect(server.stats().monitorSessions).toBe(1);
    const out = await page(url, 'POST', '/ui/logout', {}, { Cookie: cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe(
      'orchflow_session=; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=0',
    );
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).status).toBe(401);
    expect(server.stats().monitorSessions).toBe(0);
  });
});

describe('monitor login codes', () => {
  it('mints a one-time link whose code logs in as the admin token once', async () => {
    const { url, server } = await startMonitor();
    const minted = server.createLoginCode();
    expect(minted.url).toBe(`${url}/ui/#code=${minted.code}`);
    expect(minted.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(minted.expiresAt.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
    const cookie = await login(url, { code: minted.code });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).body).toEqual({
      principal: { kind: 'admin', name: 'ops' },
    });
    const again = await page(url, 'POST', '/ui/login', { code: minted.code });
    expect(again.status).toBe(401);
    expect(codeOf(again)).toBe(ErrorCode.Unauthorized);
    expect((await page(url, 'POST', '/ui/login', { code: 'made-up' })).status).toBe(401);
  });

  it('mints codes for a chosen principal, and they expire', async () => {
    const { url, server } = await startMonitor();
    const viewer = server.createLoginCode({ principal: { kind: 'viewer', name: 'wall-screen' } });
    const cookie = await login(url, { code: viewer.code });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).body).toEqual({
      principal: { kind: 'viewer', name: 'wall-screen' },
    });
    const short = server.createLoginCode({ ttlMs: 1 });
    await sleep(20);
    expect((await page(url, 'POST', '/ui/login', { code: short.code })).status).toBe(401);
    expect(() => server.createLoginCode({ principal: { kind: 'root' } as never })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParams }),
    );
    expect(() => server.createLoginCode({ ttlMs: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParams }),
    );
  });

  it('refuses bad ui options at construction', () => {
    for (const ui of [
      { maxSessions: 0 },
      { sessionIdleMs: -1 },
      { maxLoginFailures: 1.5 },
      { secureCookie: 'yes' as never },
    ]) {
      expect(
        () => new HttpServer({ orchestrator: testOrchestrator(), principal: { kind: 'admin' }, ui }),
      ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidParams }));
    }
  });

  it('refuses to mint without the monitor, or without an admin to stand behind a default code', async () => {
    const plain = new HttpServer({ orchestrator: testOrchestrator(), principal: { kind: 'admin' } });
    expect(() => plain.createLoginCode()).toThrow(expect.objectContaining({ code: ErrorCode.InvalidState }));
    const { TokenAuthenticator } = await import('../src/auth');
    const { server } = await startMonitor({
      auth: new TokenAuthenticator({ tokens: [{ token: VIEWER_TOKEN, principal: { kind: 'viewer' } }] }),
    });
    expect(() => server.createLoginCode()).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParams }),
    );
    expect(server.createLoginCode({ principal: { kind: 'viewer' } }).code).toBeTruthy();
  });
});

describe('monitor session bounds', () => {
  it('limits failed logins per address: then even a good token waits', async () => {
    const { url } = await startMonitor({}, { maxLoginFailures: 3 });
    for (let i = 0; i < 3; i++) {
      expect((await page(url, 'POST', '/ui/login', { code: `guess-${i}` })).status).toBe(401);
    }
    const limited = await page(url, 'POST', '/ui/login', { token: TOKENS.admin });
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe(ErrorCode.QuotaExceeded);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('ends idle sessions', async () => {
    const { url } = await startMonitor({}, { sessionIdleMs: 1 });
    const cookie = await login(url, { token: TOKENS.admin });
    await sleep(20);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).status).toBe(401);
  });

  it('keeps at most maxSessions: a new login ends the least recently used', async () => {
    const { url, server } = await startMonitor({}, { maxSessions: 2 });
    const first = await login(url, { token: TOKENS.admin });
    const second = await login(url, { token: VIEWER_TOKEN });
    // Using the first makes the second the least recently used.
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: first })).status).toBe(200);
    const third = await login(url, { token: TOKENS.alice });
    expect(server.stats().monitorSessions).toBe(2);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: second })).status).toBe(401);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: first })).status).toBe(200);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: third })).status).toBe(200);
  });

  it('never ends a session with an open page for a new login; an admin may end a non-admin one', async () => {
    // Each token may hold the whole pool here: what is tested is the pool's own rule.
    const { url, server } = await startMonitor({}, { maxSessions: 2, maxSessionsPerPrincipal: 2 });
    const admin = await login(url, { token: TOKENS.admin });
    // The admin's page is open: its WebSocket makes no HTTP requests, so it soon looks least recently used.
    await pageClient(url, admin);
    const viewer = await login(url, { token: VIEWER_TOKEN });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: viewer })).status).toBe(200);
    // A viewer's login ends the viewer session without a page, not the admin's open one.
    const second = await login(url, { token: VIEWER_TOKEN });
    expect(server.stats().monitorSessions).toBe(2);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: viewer })).status).toBe(401);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: admin })).status).toBe(200);
    // Every session has an open page: a viewer's login is refused with a clear error...
    await pageClient(url, second);
    const refused = await page(url, 'POST', '/ui/login', { token: VIEWER_TOKEN });
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe(ErrorCode.Overloaded);
    expect(JSON.stringify(refused.body)).toContain('close a monitor page or log out');
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: admin })).status).toBe(200);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: second })).status).toBe(200);
    // ...but an admin's login ends the non-admin one, so Emergency Stop stays in reach.
    const rescuer = await login(url, { token: TOKENS.admin });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: second })).status).toBe(401);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: admin })).status).toBe(200);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: rescuer })).status).toBe(200);
  });
});
