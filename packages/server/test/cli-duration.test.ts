// The one duration syntax of the CLI's flags (--session-idle, --ui-session-lifetime,
// --record-retention).
import { describe, expect, it } from 'vitest';
import { durationMs } from '../src/cli/duration';

describe('durationMs', () => {
  it('reads a whole number with a unit', () => {
    expect(durationMs('500ms', false)).toBe(500);
    expect(durationMs('90s', false)).toBe(90_000);
    expect(durationMs(' 30 m ', false)).toBe(1_800_000);
    expect(durationMs('12h', false)).toBe(43_200_000);
    expect(durationMs('7d', false)).toBe(604_800_000);
    expect(durationMs('2w', false)).toBe(1_209_600_000);
  });

  it('reads plain milliseconds only where the flag takes them', () => {
    expect(durationMs('1500', true)).toBe(1500);
    expect(durationMs('1500', false)).toBeNaN();
  });

  it('is NaN for anything else', () => {
    for (const value of ['', 'h', '-1s', '1.5h', '3x', '1hh', '1 h 2m', '0x10s']) {
      expect(durationMs(value, true), value).toBeNaN();
    }
  });
});
