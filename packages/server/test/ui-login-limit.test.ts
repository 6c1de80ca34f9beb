// The monitor's login limit holds for logins sent together whose bodies arrive late: the limit is
// checked again once a body is in, and an attempt counts as failed until it is accepted, so 30
// concurrent guesses from one address get 10 × 401 then 429, as one after another would — for
// tokens and one-time codes alike. A refused attempt never uses up a code.

import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { ErrorCode, type Principal } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_MAX_FAILURES, LoginLimiter } from '../src/ui/login-limiter';
import { authenticateLogin, type LoginDeps } from '../src/ui/ui-login';
import { LoginCodes } from '../src/ui/ui-sessions';
import { monitorAuthenticator, startMonitor } from './monitor-harness';
import { TOKENS } from './transport-harness';

const ATTEMPTS = 30;
const ADDRESS = '10.0.0.7';

/** A login request from `address` whose body is sent only when `send` is called. */
function lateRequest(body: unknown, address = ADDRESS): { request: IncomingMessage; send: () => void } {
  const text = JSON.stringify(body);
  const stream = new PassThrough();
  const request = Object.assign(stream, {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
    socket: { remoteAddress: address },
  }) as unknown as IncomingMessage;
  return { request, send: () => stream.end(text) };
}

function deps(): LoginDeps {
  return { auth: monitorAuthenticator(), codes: new LoginCodes(), limiter: new LoginLimiter() };
}

/** Starts a login for each body, then sends every body; resolves with each one's error code ('ok' when accepted). */
async function concurrently(bodies: unknown[], login: LoginDeps): Promise<unknown[]> {
  const requests = bodies.map((body) => lateRequest(body));
  // Every login passes the first limit check before any body is in.
  const outcomes = requests.map(({ request }) =>
    authenticateLogin(request, login).then(
      () => 'ok',
      (error: { code?: unknown }) => error.code,
    ),
  );
  for (const { send } of requests) send();
  return Promise.all(outcomes);
}

function tally(outcomes: unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
  return counts;
}

describe('monitor login limit with late bodies', () => {
  it('judges at most maxFailures concurrent token guesses; the rest wait', async () => {
    const login = deps();
    const guesses = Array.from({ length: ATTEMPTS }, (_, i) => ({ token: `guess-${i}-0123456789abcdef` }));
    expect(tally(await concurrently(guesses, login))).toEqual({
      [ErrorCode.Unauthorized]: DEFAULT_LOGIN_MAX_FAILURES,
      [ErrorCode.QuotaExceeded]: ATTEMPTS - DEFAULT_LOGIN_MAX_FAILURES,
    });
    expect(login.limiter.retryAfterMs(ADDRESS)).toBeGreaterThan(0);
  });

  it('judges at most maxFailures concurrent code guesses, and a waiting login uses up no code', async () => {
    const login = deps();
    const principal: Principal = { kind: 'viewer', name: 'wall-screen' };
    const { code } = login.codes.create(principal, 60_000);
    // The real code's login starts with the guesses; its body arrives after theirs were judged.
    const real = lateRequest({ code });
    const refused = authenticateLogin(real.request, login).catch((error: { code?: unknown }) => error.code);
    const guesses = Array.from({ length: ATTEMPTS }, (_, i) => ({ code: `guess-${i}` }));
    expect(tally(await concurrently(guesses, login))).toEqual({
      [ErrorCode.Unauthorized]: DEFAULT_LOGIN_MAX_FAILURES,
      [ErrorCode.QuotaExceeded]: ATTEMPTS - DEFAULT_LOGIN_MAX_FAILURES,
    });
    real.send();
    expect(await refused).toBe(ErrorCode.QuotaExceeded);
    // Refused before it was looked up, the code still works (here from another address).
    const other = lateRequest({ code }, '10.0.0.8');
    const accepted = authenticateLogin(other.request, login);
    other.send();
    expect((await accepted).principal).toBe(principal);
  });

  it('forgives an accepted login the failure it was counted as', async () => {
    const login = {
      ...deps(),
      limiter: new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 8 }),
    };
    const outcomes = await concurrently(
      [{ token: 'guess-0123456789abcdef' }, ...Array.from({ length: 5 }, () => ({ token: TOKENS.admin }))],
      login,
    );
    expect(tally(outcomes)).toEqual({ [ErrorCode.Unauthorized]: 1, ok: 5 });
    // One failure stands, not six: the next guess is still judged, and then the address waits.
    expect(login.limiter.retryAfterMs(ADDRESS)).toBe(0);
    expect(await concurrently([{ token: 'guess-0123456789abcdef' }], login)).toEqual([
      ErrorCode.Unauthorized,
    ]);
    expect(login.limiter.retryAfterMs(ADDRESS)).toBeGreaterThan(0);
  });

  it('answers 30 concurrent POST /ui/login with late bodies 10 × 401, then 429 with Retry-After', async () => {
    const { url } = await startMonitor();
    const { hostname, port } = new URL(url);
    const sent = Array.from({ length: ATTEMPTS }, (_, i) => {
      const body = JSON.stringify({ token: `guess-${i}-0123456789abcdef` });
      const request = httpRequest({
        host: hostname,
        port,
        path: '/ui/login',
        method: 'POST',
        agent: false,
        headers: {
          Origin: url,
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(body)),
        },
      });
      const answered = new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        request.once('response', (response) => {
          response.resume();
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'] as string | undefined,
          });
        });
        request.once('error', reject);
      });
      const connected = new Promise<void>((resolve) =>
        request.once('socket', (s) => s.once('connect', resolve)),
      );
      request.flushHeaders();
      return { request, body, answered, connected };
    });
    await Promise.all(sent.map(({ connected }) => connected));
    // Let the server take every request's headers (and pass the first limit check) before any body.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { request, body } of sent) request.end(body);
    const answers = await Promise.all(sent.map(({ answered }) => answered));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(DEFAULT_LOGIN_MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - DEFAULT_LOGIN_MAX_FAILURES);
    for (const answer of answers) {
      if (answer.status === 429) expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
  });
});
