// Cookie tossing: a page on another port of the same host can set a cookie for this host's /ui/
// path (cookies do not tell ports apart), and the browser then sends it beside the person's own.
// The attacker's cookie names a session the attacker logged in to; taking it would silently put
// the person (and what they do) in the attacker's session. Two cookies naming two live sessions
// are refused on every path that reads them, with a reason that says what to do.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { codeOf, login, page, startMonitor, upgradeStatus } from './monitor-harness';
import { TOKENS } from './transport-harness';

describe('monitor session cookies', () => {
  it('refuses two cookies that name two live sessions, in either order', async () => {
    const { url } = await startMonitor();
    const admin = await login(url, { token: TOKENS.admin });
    const tossed = await login(url, { token: TOKENS.alice });
    const origin = { Origin: url };
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: admin })).body).toMatchObject({
      principal: { kind: 'admin' },
    });
    for (const cookie of [`${tossed}; ${admin}`, `${admin}; ${tossed}`]) {
      const answer = await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie });
      expect(answer.status).toBe(401);
      expect(codeOf(answer)).toBe(ErrorCode.Unauthorized);
      expect(JSON.stringify(answer.body)).toMatch(/two monitor session cookies.*Clear this site's cookies/);
      expect(await upgradeStatus(url, { Cookie: cookie, ...origin })).toBe(401);
    }
    // One cookie, or the same one twice, or a live one beside a dead one, is the person's session.
    expect(await upgradeStatus(url, { Cookie: admin, ...origin })).toBe(101);
    for (const cookie of [`${admin}; ${admin}`, `orchflow_session=gone; ${admin}`]) {
      const answer = await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie });
      expect(answer.body).toMatchObject({ principal: { kind: 'admin' } });
    }
  });
});
