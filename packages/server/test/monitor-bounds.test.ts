// The monitor's in-memory tables stay bounded whatever arrives: the failed-login table holds at
// most `maxAddresses` entries, and addresses beyond it share one overflow entry, so a flood from
// many addresses limits itself instead of growing memory or resetting others' counts.
import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../src/ui/login-limiter';

describe('LoginLimiter', () => {
  it('limits an address after maxFailures within the window, and no other', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10 });
    limiter.fail('10.0.0.1');
    expect(limiter.retryAfterMs('10.0.0.1')).toBe(0);
    limiter.fail('10.0.0.1');
    expect(limiter.retryAfterMs('10.0.0.1')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('10.0.0.1')).toBeLessThanOrEqual(60_000);
    expect(limiter.retryAfterMs('10.0.0.2')).toBe(0);
  });

  it('makes addresses beyond the table share one overflow entry', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 2 });
    limiter.fail('a');
    limiter.fail('b');
    // The table is full: c and d land in the shared entry and together reach its limit.
    limiter.fail('c');
    limiter.fail('d');
    expect(limiter.retryAfterMs('c')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('e')).toBeGreaterThan(0);
    // Addresses already in the table keep their own counts.
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('b')).toBe(0);
  });

  it("ends an address's window, and frees ended windows when the table is full", () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 1, now: () => now });
    limiter.fail('a');
    limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBe(60_000);
    now = 60_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
    // a's window is over: b takes its place rather than the overflow entry, so c's one failure
    // alone is in the overflow entry and does not reach the limit.
    limiter.fail('b');
    limiter.fail('c');
    expect(limiter.retryAfterMs('c')).toBe(0);
    limiter.fail('d');
    expect(limiter.retryAfterMs('c')).toBe(60_000);
    expect(limiter.retryAfterMs('b')).toBe(0);
  });

  it('forgives one failure of an address (a login counted while judged, then accepted)', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10 });
    limiter.fail('a');
    const judged = limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBeGreaterThan(0);
    limiter.forgive('a', judged);
    expect(limiter.retryAfterMs('a')).toBe(0);
    // Nothing to forgive: no count goes below zero, and an unknown address gains no entry.
    limiter.forgive('a', judged);
    limiter.forgive('a', judged);
    limiter.forgive('z', judged);
    limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBe(0);
  });

  it('never forgives into a window that replaced the one the attempt was counted in', () => {
    let now = 0;
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10, now: () => now });
    const judged = limiter.fail('a');
    // The judging outlived the window; meanwhile two real failures fill a new one.
    now = 60_000;
    limiter.fail('a');
    limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBeGreaterThan(0);
    limiter.forgive('a', judged);
    expect(limiter.retryAfterMs('a')).toBeGreaterThan(0);
  });
});
