// `POST /ui/login`: an orchflow token or a one-time login code in, a session cookie out. The body
// is checked before anything is looked up; an address with too many recent failures is refused
// before its attempt is judged, so it learns nothing from further guesses. The limit is checked
// again once the body is in, and the attempt counts as failed until it is accepted: a body can
// arrive long after the first check, and requests sent together with late bodies all passed it.
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

/**
 * Judges a login token elsewhere (a cluster gateway asks its nodes): resolves with the principal
 * the monitor shows for it; rejects with Unauthorized when the token is refused (a failed login),
 * or with any other error (Unavailable: nobody to ask), answered as it is.
 */
export type LoginVerifier = (token: string) => Promise<Principal>;

/** What a login needs. */
export interface LoginDeps {
  auth: TokenAuthenticator | undefined;
  codes: LoginCodes;
  limiter: LoginLimiter;
  /** Judges tokens `auth` merely accepts (see {@link LoginVerifier}); absent on a single server. */
  verify?: LoginVerifier;
}

/** Who a login is: the session's principal, and the one `/ui/session` shows. */
export interface LoginResult {
  principal: Principal;
  shown: Principal;
}

/** The principal a login request authenticates as; throws Unauthorized, InvalidParams, QuotaExceeded. */
export async function authenticateLogin(request: IncomingMessage, deps: LoginDeps): Promise<LoginResult> {
  const address = request.socket.remoteAddress ?? 'unknown';
  refuseIfLimited(deps.limiter, address);
  const parsed = LoginBodySchema.safeParse(await readJsonBody(request, LOGIN_MAX_BODY_BYTES));
  if (!parsed.success) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'Send { "token": "<orchflow token>" } or { "code": "<one-time login code>" } as the JSON body',
    );
  }
  const body = parsed.data;
  // Again, now the body is in; and counted before the lookup, forgiven only once accepted.
  refuseIfLimited(deps.limiter, address);
  const counted = deps.limiter.fail(address);
  const principal = 'token' in body ? deps.auth?.lookup(body.token) : deps.codes.redeem(body.code);
  if (!principal) {
    throw new OrchflowError(ErrorCode.Unauthorized, loginRefusal('token' in body, deps.auth !== undefined));
  }
  if ('token' in body && deps.verify) {
    return { principal, shown: await verified(body.token, deps.verify, deps.limiter, address, counted) };
  }
  deps.limiter.forgive(address, counted);
  return { principal, shown: principal };
}

/** Throws QuotaExceeded (with `retryAfterSeconds`) while `address` has too many recent failures. */
function refuseIfLimited(limiter: LoginLimiter, address: string): void {
  const waitMs = limiter.retryAfterMs(address);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new OrchflowError(
      ErrorCode.QuotaExceeded,
      `Too many failed logins from this address (for IPv6, its /64 network); retry in ${seconds} s`,
      { retryAfterSeconds: seconds },
    );
  }
}

/**
 * `verify`'s principal for `token`. Judging takes a round trip, and the attempt (`counted`) stays
 * counted as failed while it is judged, so concurrent guesses cannot outrun the limit; it is
 * forgiven unless the token is refused.
 */
async function verified(
  token: string,
  verify: LoginVerifier,
  limiter: LoginLimiter,
  address: string,
  counted: object,
): Promise<Principal> {
  try {
    const shown = await verify(token);
    limiter.forgive(address, counted);
    return shown;
  } catch (error) {
    const failure = OrchflowError.from(error);
    if (failure.code !== ErrorCode.Unauthorized) limiter.forgive(address, counted);
    throw failure;
  }
}

function loginRefusal(withToken: boolean, hasTokens: boolean): string {
  if (!withToken) {
    return 'The login code is not valid: codes work once and expire; ask for a new link (restart orchflow serve --ui, or mint one)';
  }
  return hasTokens
    ? "The token was not accepted; use a token from the server's --token or --tokens file"
    : 'This server has no tokens; log in with a one-time login code instead';
}
