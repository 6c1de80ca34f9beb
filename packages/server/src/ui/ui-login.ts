// `POST /ui/login`: an orchflow token or a one-time login code in, a session cookie out. The body
// is checked before anything is looked up; an address with too many recent failures is refused
// before its attempt is judged, so it learns nothing from further guesses.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import { z } from 'zod';
import type { TokenAuthenticator } from '../auth';
import { readJsonBody } from '../http/http-body';
import type { LoginLimiter } from './login-limiter';
import type { LoginCodes } from './ui-sessions';

/** Largest login body: a token or a code and nothing else. */
export const LOGIN_MAX_BODY_BYTES = 16 * 1024;

/** The body of `POST /ui/login`: `{ token }` or `{ code }`. */
export const LoginBodySchema = z.union([
  z.object({ token: z.string().min(1).max(4096) }).strict(),
  z.object({ code: z.string().min(1).max(256) }).strict(),
]);

/** What a login needs. */
export interface LoginDeps {
  auth: TokenAuthenticator | undefined;
  codes: LoginCodes;
  limiter: LoginLimiter;
}

/** The principal a login request authenticates as; throws Unauthorized, InvalidParams or QuotaExceeded. */
export async function authenticateLogin(request: IncomingMessage, deps: LoginDeps): Promise<Principal> {
  const address = request.socket.remoteAddress ?? 'unknown';
  const waitMs = deps.limiter.retryAfterMs(address);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new OrchflowError(
      ErrorCode.QuotaExceeded,
      `Too many failed logins from this address; retry in ${seconds} s`,
      { retryAfterSeconds: seconds },
    );
  }
  const parsed = LoginBodySchema.safeParse(await readJsonBody(request, LOGIN_MAX_BODY_BYTES));
  if (!parsed.success) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'Send { "token": "<orchflow token>" } or { "code": "<one-time login code>" } as the JSON body',
    );
  }
  const body = parsed.data;
  const principal = 'token' in body ? deps.auth?.lookup(body.token) : deps.codes.redeem(body.code);
  if (principal) return principal;
  deps.limiter.fail(address);
  throw new OrchflowError(ErrorCode.Unauthorized, loginRefusal('token' in body, deps.auth !== undefined));
}

function loginRefusal(withToken: boolean, hasTokens: boolean): string {
  if (!withToken) {
    return 'The login code is not valid: codes work once and expire; ask for a new link (restart orchflow serve --ui, or mint one)';
  }
  return hasTokens
    ? "The token was not accepted; use a token from the server's --token or --tokens file"
    : 'This server has no tokens; log in with a one-time login code instead';
}
