import { describe, expect, it } from 'vitest';
import { clockOffsetMs } from '../src/app/lib/server-clock';

describe('clockOffsetMs', () => {
  const at = Date.parse('2026-12-05T10:00:00.000Z');

  it('reads a server clock minutes ahead or behind from the Date header', () => {
    expect(clockOffsetMs('Sat, 05 Dec 2026 10:05:00 GMT', at - 100, at + 100)).toBe(300_500);
    expect(clockOffsetMs('Sat, 05 Dec 2026 09:57:00 GMT', at, at)).toBe(-179_500);
  });

  it('takes an offset within the header’s second, a missing or a bad header as none', () => {
    expect(clockOffsetMs('Sat, 05 Dec 2026 10:00:01 GMT', at, at)).toBe(0);
    expect(clockOffsetMs(null, at, at)).toBe(0);
    expect(clockOffsetMs('not a date', at, at)).toBe(0);
  });
});
