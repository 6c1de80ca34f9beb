// The monitor's `verifyLogin` hook (HttpServer `ui.verifyLogin`, what a cluster gateway gives it):
// a token `auth` knows is judged by the hook too; /ui/session shows the principal the hook
// answered while the session (its WebSocket) acts as `auth`'s principal; a refusal is 401 and
// counts toward the login limit, any other failure is answered as it is and does not; a login
// being judged holds its place in the limit, so concurrent guesses cannot outrun it; codes and
// tokens `auth` refuses never reach the hook.
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { until } from './cluster-harness';
import { codeOf, login, page, pageClient, startMonitor } from './monitor-harness';
import { TOKENS } from './transport-harness';

const SHOWN: Principal = { kind: 'admin', name: 'shown-by-hook' };

describe('monitor verifyLogin', () => {
  it('shows the principal the hook answers; the session acts as the token', async () => {
    const judged: string[] = [];
    const { url, server } = await startMonitor(
      {},
      {
        verifyLogin: async (token) => {
          judged.push(token);
          return SHOWN;
        },
      },
    );
    const cookie = await login(url, { token: TOKENS.alice });
    expect(judged).toEqual([TOKENS.alice]);
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: cookie })).body).toEqual({
      principal: SHOWN,
    });
    const client = await pageClient(url, cookie);
    expect(client.principal).toMatchObject({ kind: 'agent', name: 'alice' });

    // A token `auth` refuses is not judged; a code is not judged either.
    expect((await page(url, 'POST', '/ui/login', { token: 'not-a-token-0123456789' })).status).toBe(401);
    const { code } = server.createLoginCode();
    const byCode = await login(url, { code });
    expect((await page(url, 'GET', '/ui/session', undefined, { Cookie: byCode })).body).toEqual({
      principal: { kind: 'admin', name: 'ops' },
    });
    expect(judged).toEqual([TOKENS.alice]);
  });

  it('a refusal is 401 and counts; an outage is answered as it is and does not', async () => {
    let verdict: () => Principal = () => {
      throw new OrchflowError(ErrorCode.Unavailable, 'nobody to ask');
    };
    const { url } = await startMonitor({}, { maxLoginFailures: 2, verifyLogin: async () => verdict() });
    for (let i = 0; i < 3; i++) {
      const answer = await page(url, 'POST', '/ui/login', { token: TOKENS.admin });
      expect(answer.status).toBe(503);
      expect(codeOf(answer)).toBe(ErrorCode.Unavailable);
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    verdict = () => SHOWN;
    expect(await login(url, { token: TOKENS.admin })).toMatch(/^orchflow_session=/);
    verdict = () => {
      throw new OrchflowError(ErrorCode.Unauthorized, 'the node refused it');
    };
    for (let i = 0; i < 2; i++) {
      const answer = await page(url, 'POST', '/ui/login', { token: TOKENS.admin });
      expect(answer.status).toBe(401);
      expect(codeOf(answer)).toBe(ErrorCode.Unauthorized);
    }
    verdict = () => SHOWN;
    expect((await page(url, 'POST', '/ui/login', { token: TOKENS.admin })).status).toBe(429);
  });

  it('counts logins being judged toward the limit, so concurrent guesses wait', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let judging = 0;
    const { url } = await startMonitor(
      {},
      {
        maxLoginFailures: 2,
        verifyLogin: async () => {
          judging++;
          await held;
          throw new OrchflowError(ErrorCode.Unauthorized, 'the node refused it');
        },
      },
    );
    const answered: number[] = [];
    const attempts = Array.from({ length: 5 }, () =>
      page(url, 'POST', '/ui/login', { token: TOKENS.admin }).then((answer) => {
        answered.push(answer.status);
        return answer.status;
      }),
    );
    // The three past the limit are answered while the first two are still being judged.
    await until(() => answered.length === 3 && judging === 2, 'three answers and two logins judged');
    expect(answered).toEqual([429, 429, 429]);
    release();
    expect((await Promise.all(attempts)).sort()).toEqual([401, 401, 429, 429, 429]);
  });
});
