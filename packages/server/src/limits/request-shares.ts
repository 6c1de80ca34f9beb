// Each principal's share of the requests an HTTP server handles at once (`PrincipalSlots` per
// request): one token holding requests open — slow bodies, long commands — cannot lock the others
// out. A request that becomes a stream gives its share back (streams have shares of their own), so
// open streams cannot use up a token's requests.
import type { ServerResponse } from 'node:http';
import type { Principal } from '@orchflow/protocol';
import { PrincipalSlots } from './principal-slots';

/** Counts the requests in progress per principal against a share. */
export class RequestShares {
  private readonly slots: PrincipalSlots;
  private readonly held = new WeakMap<ServerResponse, () => void>();

  constructor(limit: number) {
    this.slots = new PrincipalSlots(limit, 'requests in progress');
  }

  /** Charges `response`'s request to `principal` until it closes; throws Overloaded past the share. */
  charge(response: ServerResponse, principal: Principal): void {
    const release = this.slots.take(principal);
    this.held.set(response, release);
    response.once('close', release);
  }

  /** `response` became a stream: its share goes back now (a request not charged has none). */
  giveBack(response: ServerResponse): void {
    this.held.get(response)?.();
  }
}
