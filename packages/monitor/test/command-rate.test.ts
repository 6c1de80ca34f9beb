import { describe, expect, it } from 'vitest';
import { CommandRate, RATE_WINDOW_MS } from '../src/app/lib/command-rate';

describe('CommandRate', () => {
  const now = 1_000_000;

  it('counts distinct command starts of the last minute', () => {
    const rate = new CommandRate();
    rate.record('t1|a', now - 1_000, now);
    rate.record('t1|b', now - 30_000, now);
    rate.record('t2|a', now - 59_000, now);
    expect(rate.perMinute(now)).toBe(3);
  });

  it('counts a start seen twice (a repeated notification, a re-fetch) once', () => {
    const rate = new CommandRate();
    rate.record('t1|a', now - 1_000, now);
    rate.record('t1|a', now - 1_000, now);
    expect(rate.perMinute(now)).toBe(1);
  });

  it('keeps the first time of a start seen again later, so a re-fetch does not extend its minute', () => {
    const rate = new CommandRate();
    rate.record('t1|a', now - 50_000, now);
    rate.record('t1|a', now - 1_000, now);
    expect(rate.perMinute(now + 15_000)).toBe(0);
  });

  it('lets starts fall out of the window as time passes and ignores ones already outside', () => {
    const rate = new CommandRate();
    rate.record('old', now - RATE_WINDOW_MS - 1, now);
    rate.record('t1|a', now - 10_000, now);
    expect(rate.perMinute(now)).toBe(1);
    expect(rate.perMinute(now + 49_999)).toBe(1);
    expect(rate.perMinute(now + 50_000)).toBe(0);
  });
});
