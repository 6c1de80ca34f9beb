// A monitor session has an absolute lifetime (`ui.sessionLifetimeMs`): activity keeps it from
// going idle but not past its lifetime. Then its HTTP calls get 401 and its open `/ui/ws` socket
// closes with a reason the page can show, and a new login works. Real server, real WebSocket,
// real clock: the lifetime is short, and the waits are bounded generously for a loaded machine.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { HttpServer } from '../src/http/http-server';
import { SESSION_LIFETIME_CLOSE_REASON, UiSessions } from '../src/ui/ui-sessions';
import { codeOf, login, openRaw, page, startMonitor, upgradeStatus } from './monitor-harness';
import { TOKENS, testOrchestrator } from './transport-harness';

const LIFETIME_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('monitor session lifetime', () => {
  it('ends an active session with an open socket after its lifetime: 401, and the socket closes', async () => {
    const { url, server } = await startMonitor({}, { sessionLifetimeMs: LIFETIME_MS });
    const loggedInAt = Date.now();
    const cookie = await login(url, { token: TOKENS.admin });
    const raw = await openRaw(url, { Origin: url, Cookie: cookie });
    expect(await raw.initialize()).toMatchObject({ id: 'init', result: { principal: { kind: 'admin' } } });
    let closedAt: number | undefined;
    const closed = raw.closed.then((close) => {
      closedAt = Date.now();
      return close;
    });
    // Busy all along: a request every 200 ms, each answered 200 while the lifetime lasts.
    let lastOk = 0;
    while (closedAt === undefined && Date.now() - loggedInAt < LIFETIME_MS + 10_000) {
      const status = (await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).status;
      if (status === 200) lastOk = Date.now();
      await sleep(200);
    }
    expect(closedAt, 'the socket outlived the session by 10 s').toBeDefined();
    expect(await closed).toEqual({ code: 1008, reason: SESSION_LIFETIME_CLOSE_REASON });
    // Not before its time: activity kept it open until then.
    expect(closedAt as number).toBeGreaterThanOrEqual(loggedInAt + LIFETIME_MS - 50);
    expect(lastOk).toBeGreaterThan(loggedInAt + LIFETIME_MS / 2);
    const after = await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie });
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe(ErrorCode.Unauthorized);
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie })).toBe(401);
    expect(server.stats().monitorSessions).toBe(0);
    // Logging in again gives a fresh session.
    const again = await login(url, { token: TOKENS.admin });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: again })).status).toBe(200);
  });

  it('ends a session past its lifetime even before its timer has run', () => {
    const sessions = new UiSessions({ maxSessions: 4, idleMs: 60_000, lifetimeMs: 20 });
    const { id, pageKey } = sessions.create({ kind: 'admin' });
    const created = sessions.get(id, pageKey);
    expect(created?.signal.aborted).toBe(false);
    // Hold the event loop past the lifetime, so the session's timer cannot have fired.
    const until = Date.now() + 40;
    while (Date.now() < until) {
      // busy: this is the point
    }
    expect(sessions.get(id, pageKey)).toBeUndefined();
    expect(created?.signal.aborted).toBe(true);
    expect(created?.signal.reason).toBe(SESSION_LIFETIME_CLOSE_REASON);
  });

  it('refuses a lifetime that is not a positive integer of ms within what a timer can wait', () => {
    for (const sessionLifetimeMs of [0, -1, 1.5, 2 ** 31, Number.NaN, '12h' as never]) {
      expect(
        () =>
          new HttpServer({
            orchestrator: testOrchestrator(),
            principal: { kind: 'admin' },
            ui: { sessionLifetimeMs },
          }),
      ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidParams }));
    }
    expect(() => new UiSessions({ maxSessions: 4, idleMs: 60_000, lifetimeMs: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParams }),
    );
  });
});
