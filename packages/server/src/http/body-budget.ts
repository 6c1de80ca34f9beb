// The bytes one token may hold in request bodies still arriving: REST and `/v1/rpc` bodies being
// read, and the unfinished line of each of its sessions' message streams. Each of those alone is
// bounded by `maxBodyBytes`, but a client that sends most of a body and stalls holds those bytes
// until the body deadline (300 s), and an accepted message stream has no deadline at all: 60
// stalled 4 MiB bodies held 240 MiB, a token's share of requests (256 or 512) 1–2 GiB. Past its
// budget, 8 bodies of `maxBodyBytes`, a token's further bytes are refused with `429` (Overloaded,
// `Retry-After`): the memory held stays bounded, only that token waits, and a client meets the
// budget only with many large bodies arriving at once, never with one.
// Tokens are told apart by the bearer token the request carries: body readers run after the
// server authenticated the request, and the token is what its principal is looked up by. Requests
// without one (a gateway's anonymous callers, the monitor's cookie login, no `auth` at all) share
// one budget; its floor keeps it far above what the login's 16 KiB bodies could fill. (Without
// `auth` the header is not checked, so a loopback client could name many budgets; it can also
// run any command there.) The budgets are the process's, as the memory is: servers in one process
// share a token's.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { bearerToken } from '../ws/upgrade';
import { DEFAULT_HTTP_MAX_BODY_BYTES } from './http-server-options';

/** Bodies of the largest size (`maxBodyBytes`) one token may have arriving at once. */
export const BODY_BUDGET_BODIES = 8;
/** The least budget of a token: 32 MiB, 8 bodies of the default `maxBodyBytes`. */
export const MIN_BODY_BUDGET_BYTES = BODY_BUDGET_BODIES * DEFAULT_HTTP_MAX_BODY_BYTES;

/** The budget of a token reading a body of at most `limit` bytes. */
export function bodyBudget(limit: number): number {
  return Math.max(BODY_BUDGET_BODIES * limit, MIN_BODY_BUDGET_BYTES);
}

/** Bytes held per owner (the bearer token, `''` without one). */
const heldBytes = new Map<string, number>();

/** The bytes `token` (`''`: requests without one) holds in bodies and lines still arriving. */
export function heldBodyBytes(token: string): number {
  return heldBytes.get(token) ?? 0;
}

/** What one body (or message stream) holds of its token's budget. */
export interface BodyHold {
  /**
   * Now holds `bytes` in all: more is charged, less given back. Throws Overloaded when more would
   * pass the token's budget (what it held stays charged until `release`).
   */
  hold(bytes: number): void;
  /** Gives back everything it holds; idempotent. */
  release(): void;
}

/** A hold on the budget of `request`'s token, for a body of at most `limit` bytes. */
export function holdBody(request: IncomingMessage, limit: number): BodyHold {
  const owner = ownerOf(request);
  const budget = bodyBudget(limit);
  let mine = 0;
  const hold = (bytes: number): void => {
    const held = heldBytes.get(owner) ?? 0;
    const total = held - mine + bytes;
    if (bytes > mine && total > budget) throw overBudget(held, budget, limit);
    if (total > 0) heldBytes.set(owner, total);
    else heldBytes.delete(owner);
    mine = bytes;
  };
  return { hold, release: () => hold(0) };
}

function ownerOf(request: IncomingMessage): string {
  const header = request.headers.authorization;
  return (header === undefined ? undefined : bearerToken(header)) ?? '';
}

function overBudget(held: number, budget: number, limit: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.Overloaded,
    `This token holds ${held} bytes of request bodies and message-stream lines still arriving; more would pass its limit of ${budget} bytes (${BODY_BUDGET_BODIES} × maxBodyBytes, at least ${MIN_BODY_BUDGET_BYTES}). Finish sending or cancel those requests, then retry; write each message-stream line whole, with its newline`,
    { held, limit: budget, maxBodyBytes: limit },
  );
}
