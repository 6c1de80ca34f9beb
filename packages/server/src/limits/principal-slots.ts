// One principal's share of a pool the whole server shares (HTTP sessions, event streams,
// WebSocket connections). Without a share, one token that opens every slot locks every other
// token out. Principals are told apart by identity: a TokenAuthenticator hands out one principal
// object per token, so the count is per token.
import { ErrorCode, OrchflowError, type Principal } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';

/**
 * The default share of one principal in a pool of `total`: half of it when `auth` holds more than
 * one token (so another token always finds room), all of it otherwise (one principal, no one to
 * share with).
 */
export function defaultShare(total: number, auth: TokenAuthenticator | undefined): number {
  return (auth?.size ?? 0) > 1 ? Math.max(1, Math.ceil(total / 2)) : total;
}

/** Counts the slots each principal holds; refuses past `limit` with Overloaded. */
export class PrincipalSlots {
  private readonly held = new Map<Principal, number>();

  /** `what` names the slots in the refusal ("HTTP sessions"). */
  constructor(
    readonly limit: number,
    private readonly what: string,
  ) {}

  /** Slots `principal` holds now. */
  heldBy(principal: Principal): number {
    return this.held.get(principal) ?? 0;
  }

  /** Takes a slot for `principal` and returns its release (which only counts once). */
  take(principal: Principal): () => void {
    const count = this.heldBy(principal);
    if (count >= this.limit) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `This token already holds ${this.limit} ${this.what}, its share of the server's; close one or retry later`,
        { limit: this.limit },
      );
    }
    this.held.set(principal, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.heldBy(principal) - 1;
      if (left > 0) this.held.set(principal, left);
      else this.held.delete(principal);
    };
  }
}
