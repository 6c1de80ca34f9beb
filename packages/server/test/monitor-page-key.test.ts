// A monitor session cookie on its own opens nothing. Cookies ignore ports: whenever the person's
// browser requests a `/ui/…` path on any other port of this host — a dev server an agent started,
// opened by the person or through a link — that server receives the cookie, and could replay it
// with the monitor's Origin (nothing stops a program from sending any header). So every request of
// a session must also carry the session's page key, which the login answered in its body and the
// page keeps in its origin's storage: a header on HTTP, a subprotocol on the WebSocket.
import { describe, expect, it } from 'vitest';
import { codeOf, login, page, pageKeyFor, startMonitor, upgradeStatus } from './monitor-harness';
import { TOKENS } from './transport-harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('monitor page key', () => {
  it('refuses the session cookie without its page key, on HTTP and on the WebSocket', async () => {
    const { url } = await startMonitor();
    const cookie = await login(url, { token: TOKENS.admin });
    const key = pageKeyFor(cookie) as string;
    // What a server on another port receives, replayed with the monitor's Origin.
    const stolen = await page(url, 'GET', '/ui/session', undefined, {
      Cookie: cookie,
      'orchflow-page-key': '',
    });
    expect(stolen.status).toBe(401);
    expect(JSON.stringify(stolen.body)).toMatch(/without the page key/);
    const wrong = await page(url, 'GET', '/ui/session', undefined, {
      Cookie: cookie,
      'orchflow-page-key': 'A'.repeat(43),
    });
    expect(codeOf(wrong)).toBe(codeOf(stolen));
    expect(wrong.status).toBe(401);
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie }, [])).toBe(401);
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie }, ['orchflow.v1'])).toBe(401);
    expect(
      await upgradeStatus(url, { Origin: url, Cookie: cookie }, [
        'orchflow.v1',
        `orchflow.page-key.${'A'.repeat(43)}`,
      ]),
    ).toBe(401);
    // The page itself (cookie and key) is let in: the refusals above are the missing key's.
    expect(
      (await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie, 'orchflow-page-key': key })).status,
    ).toBe(200);
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie })).toBe(101);
  });

  it('never picks or echoes the page key as the WebSocket subprotocol', async () => {
    const { url } = await startMonitor();
    const cookie = await login(url, { token: TOKENS.admin });
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(
      `${url.replace(/^http/, 'ws')}/ui/ws`,
      ['orchflow.v1', `orchflow.page-key.${pageKeyFor(cookie)}`],
      {
        headers: { Origin: url, Cookie: cookie },
      },
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    expect(socket.protocol).toBe('orchflow.v1');
    socket.terminate();
  });

  it('does not let a cookie without its key keep the session alive or log the person out', async () => {
    const { url, server } = await startMonitor({}, { sessionIdleMs: 600 });
    const cookie = await login(url, { token: TOKENS.admin });
    const key = pageKeyFor(cookie) as string;
    const out = await page(url, 'POST', '/ui/logout', {}, { Cookie: cookie, 'orchflow-page-key': '' });
    expect(out.status).toBe(204);
    expect(server.stats().monitorSessions).toBe(1);
    expect(
      (await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie, 'orchflow-page-key': key })).status,
    ).toBe(200);
    // Polled with the cookie alone for longer than the idle limit: the session still ends.
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie, 'orchflow-page-key': '' });
      await sleep(100);
    }
    expect(
      (await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie, 'orchflow-page-key': key })).status,
    ).toBe(401);
  });
});
