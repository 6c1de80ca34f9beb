// Failed monitor logins per remote address, so a page or script cannot hammer `/ui/login` with
// guesses. IPv6 addresses count by their /64 network and IPv4-mapped ones as IPv4
// (address-key.ts): a /64 is one party, not 2^64 of them. A fixed window per address; the table
// holds at most `maxAddresses` entries, and when every one is in use, addresses not in it share
// one overflow entry — so memory stays bounded and a flood from many addresses limits itself
// rather than resetting others' counts.
import { loginAddressKey } from './address-key';

/** Default failed logins per address per window. */
export const DEFAULT_LOGIN_MAX_FAILURES = 10;
/** Default window of the login limit: 1 minute. */
export const DEFAULT_LOGIN_WINDOW_MS = 60_000;
/** Default addresses tracked at once. */
export const DEFAULT_LOGIN_MAX_ADDRESSES = 4096;

const OVERFLOW = '(overflow)';

/** Counts failed logins per address and says when an address must wait. */
export class LoginLimiter {
  private readonly windows = new Map<string, { count: number; start: number }>();

  constructor(
    private readonly options: {
      maxFailures: number;
      windowMs: number;
      maxAddresses: number;
      /** The clock (tests). Default `Date.now`. */
      now?: () => number;
    } = {
      maxFailures: DEFAULT_LOGIN_MAX_FAILURES,
      windowMs: DEFAULT_LOGIN_WINDOW_MS,
      maxAddresses: DEFAULT_LOGIN_MAX_ADDRESSES,
    },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Milliseconds `address` must wait before its next attempt (0: it may try now). */
  retryAfterMs(address: string): number {
    const window = this.windows.get(this.key(address, false));
    if (!window) return 0;
    const left = window.start + this.options.windowMs - this.now();
    if (left <= 0) return 0;
    return window.count >= this.options.maxFailures ? left : 0;
  }

  /** Records a failed attempt from `address`; returns the window it was counted in (for `forgive`). */
  fail(address: string): object {
    const key = this.key(address, true);
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || now - window.start >= this.options.windowMs) {
      const fresh = { count: 1, start: now };
      this.windows.set(key, fresh);
      return fresh;
    }
    window.count++;
    return window;
  }

  /**
   * Takes back one failure of `address` counted in `counted` (what `fail` returned: an attempt
   * counted while it was judged, then accepted). Nothing when that window has since been replaced,
   * so a failure of the new window is never erased.
   */
  forgive(address: string, counted: object): void {
    const window = this.windows.get(this.key(address, false));
    if (window && window === counted && window.count > 0) window.count--;
  }

  /**
   * The table key of `address`: its own (its /64 for IPv6), or the shared overflow entry when the
   * table is full.
   */
  private key(address: string, adding: boolean): string {
    const own = loginAddressKey(address);
    if (this.windows.has(own)) return own;
    if (this.windows.size < this.options.maxAddresses) return own;
    if (adding) this.prune();
    return this.windows.size < this.options.maxAddresses ? own : OVERFLOW;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now - window.start >= this.options.windowMs) this.windows.delete(key);
    }
  }
}
