// The monitor's session cookie gets `Secure` when `ui.secureCookie` says the page is reached over
// HTTPS (a TLS-terminating proxy in front of the plain-HTTP server), and only then: a forged
// `X-Forwarded-Proto` does not add it, and without the option the cookie stays usable over HTTP.
import { describe, expect, it } from 'vitest';
import { page, startMonitor } from './monitor-harness';
import { TOKENS } from './transport-harness';

/** The `Set-Cookie` of a login with the admin token, and of a logout with that session. */
async function cookies(url: string, headers: Record<string, string> = {}): Promise<[string, string]> {
  const login = await page(url, 'POST', '/ui/login', { token: TOKENS.admin }, headers);
  expect(login.status).toBe(200);
  const set = login.headers.get('set-cookie') ?? '';
  const cookie = set.split(';')[0] ?? '';
  const key = login.body?.pageKey as string;
  const logout = await page(url, 'POST', '/ui/logout', {}, { Cookie: cookie, 'orchflow-page-key': key });
  expect(logout.status).toBe(204);
  return [set, logout.headers.get('set-cookie') ?? ''];
}

describe('monitor cookie behind TLS (ui.secureCookie)', () => {
  it('marks the session cookie and its deletion Secure with the option', async () => {
    const { url } = await startMonitor({}, { secureCookie: true });
    const [set, cleared] = await cookies(url);
    expect(set).toMatch(/^orchflow_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/ui; Secure$/);
    expect(cleared).toBe('orchflow_session=; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=0; Secure');
  });

  it("accepts the page's https:// origin for the request's Host with the option, and only then", async () => {
    const secure = await startMonitor({}, { secureCookie: true });
    const host = new URL(secure.url).host;
    const login = { token: TOKENS.admin };
    expect((await page(secure.url, 'POST', '/ui/login', login, { Origin: `https://${host}` })).status).toBe(
      200,
    );
    expect(
      (await page(secure.url, 'POST', '/ui/login', login, { Origin: 'https://evil.example' })).status,
    ).toBe(403);
    const plain = await startMonitor();
    const plainHost = new URL(plain.url).host;
    expect(
      (await page(plain.url, 'POST', '/ui/login', login, { Origin: `https://${plainHost}` })).status,
    ).toBe(403);
  });

  it('leaves Secure out without it, whatever X-Forwarded-Proto a client sends', async () => {
    for (const ui of [{}, { secureCookie: false }]) {
      const { url } = await startMonitor({}, ui);
      const [set, cleared] = await cookies(url, { 'X-Forwarded-Proto': 'https' });
      expect(set).not.toMatch(/Secure/i);
      expect(cleared).not.toMatch(/Secure/i);
    }
  });
});
