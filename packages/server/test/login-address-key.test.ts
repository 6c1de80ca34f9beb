// The failed-login limit counts an IPv6 peer by its /64 network (one host or customer gets a whole
// /64 and can take a fresh address for every guess) and an IPv4-mapped or NAT64 peer as its IPv4
// address; through a real server on ::1 (loopback IPv6, present on this machine) the limit holds too.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { loginAddressKey } from '../src/ui/address-key';
import { LoginLimiter } from '../src/ui/login-limiter';
import { codeOf, page, startMonitor } from './monitor-harness';

describe('loginAddressKey', () => {
  it('keys IPv6 addresses by their /64, however they are written', () => {
    for (const address of [
      '2001:db8:0:1::1',
      '2001:db8:0:1:ffff:ffff:ffff:ffff',
      '2001:0DB8:0000:0001:0000:0000:0000:0002',
      '2001:db8:0:1:a:b:1.2.3.4',
    ]) {
      expect(loginAddressKey(address)).toBe('2001:db8:0:1::/64');
    }
    expect(loginAddressKey('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(loginAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(loginAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(loginAddressKey('::')).toBe('0:0:0:0::/64');
    expect(loginAddressKey('1:2:3:4:5:6:7::')).toBe('1:2:3:4::/64');
  });

  it('keys an IPv4-mapped address as its IPv4 address, in either spelling', () => {
    expect(loginAddressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(loginAddressKey('::FFFF:10.0.0.7')).toBe('10.0.0.7');
    expect(loginAddressKey('::ffff:a00:7')).toBe('10.0.0.7');
    expect(loginAddressKey('0:0:0:0:0:ffff:127.0.0.1')).toBe('127.0.0.1');
    // Only ::ffff:0:0/96 is mapped; a neighbour is ordinary IPv6.
    expect(loginAddressKey('::fffe:10.0.0.7')).toBe('0:0:0:0::/64');
  });

  it("keys an address of NAT64's well-known prefix as the global IPv4 client it translates", () => {
    // Behind a NAT64 gateway every IPv4 client arrives from 64:ff9b::/96: one /64 budget for all
    // of them would let one client lock the others out.
    expect(loginAddressKey('64:ff9b::8.8.4.4')).toBe('8.8.4.4');
    expect(loginAddressKey('64:FF9B::5db8:d822')).toBe('93.184.216.34');
    expect(loginAddressKey('0064:ff9b:0:0:0:0:0101:0101')).toBe('1.1.1.1');
    // The prefix never carries a non-global address (RFC 6052 §3.1): such a peer is not a
    // translated client and stays in the prefix's /64, never another client's budget.
    for (const address of [
      '127.0.0.1',
      '10.0.0.7',
      '192.168.1.2',
      '172.31.0.1',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
    ]) {
      expect(loginAddressKey(`64:ff9b::${address}`)).toBe('64:ff9b:0:0::/64');
    }
    expect(loginAddressKey('64:ff9b::')).toBe('64:ff9b:0:0::/64');
    // Only the /96: the local-use 64:ff9b:1::/48 and other neighbours are ordinary IPv6.
    expect(loginAddressKey('64:ff9b:1::8.8.4.4')).toBe('64:ff9b:1:0::/64');
    expect(loginAddressKey('64:ff9b::1:0:808:404')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps IPv4 and non-addresses as they are', () => {
    expect(loginAddressKey('10.0.0.7')).toBe('10.0.0.7');
    expect(loginAddressKey('unknown')).toBe('unknown');
    expect(loginAddressKey('')).toBe('');
    expect(loginAddressKey('2001:db8::1::2')).toBe('2001:db8::1::2');
  });
});

describe('LoginLimiter over IPv6', () => {
  it('gives a /64 one budget, and another /64 its own', () => {
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, maxAddresses: 10 });
    // A fresh source address for every guess, all in one /64.
    for (let i = 1; i <= 3; i++) limiter.fail(`2001:db8:0:1::${i.toString(16)}`);
    expect(limiter.retryAfterMs('2001:db8:0:1:dead:beef:0:1')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('2001:db8:0:2::1')).toBe(0);
  });

  it('counts an IPv4 peer once whether the socket reports it mapped or not', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10 });
    limiter.fail('::ffff:10.0.0.7');
    limiter.fail('10.0.0.7');
    expect(limiter.retryAfterMs('10.0.0.7')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('::ffff:10.0.0.7')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('10.0.0.8')).toBe(0);
  });

  it('forgives under the same key the failure was counted under', () => {
    const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10 });
    limiter.fail('2001:db8:0:1::1');
    const judged = limiter.fail('2001:db8:0:1::2');
    expect(limiter.retryAfterMs('2001:db8:0:1::3')).toBeGreaterThan(0);
    limiter.forgive('2001:db8:0:1::2', judged);
    expect(limiter.retryAfterMs('2001:db8:0:1::3')).toBe(0);
  });
});

describe('monitor login limit on a real server over IPv6 loopback', () => {
  it('limits failed logins from ::1, then answers 429 with Retry-After', async () => {
    const { url } = await startMonitor({ host: '::1' }, { maxLoginFailures: 3 });
    expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    for (let i = 0; i < 3; i++) {
      expect((await page(url, 'POST', '/ui/login', { token: `wrong-token-${i}-0123456789` })).status).toBe(
        401,
      );
    }
    const limited = await page(url, 'POST', '/ui/login', { token: 'wrong-token-x-0123456789' });
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe(ErrorCode.QuotaExceeded);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(limited.body)).toContain('for IPv6, its /64 network');
  });
});
