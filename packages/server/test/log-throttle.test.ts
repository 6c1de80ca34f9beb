import { expect, it } from 'vitest';
import { throttledLog } from '../src/log-throttle';

it('passes a burst per window, then reports how many lines it suppressed', () => {
  let clock = 0;
  const lines: Array<[Record<string, unknown>, string]> = [];
  const log = throttledLog((f, m) => void lines.push([f, m]), { burst: 3, windowMs: 1000, now: () => clock });
  for (let i = 0; i < 10_000; i++) log({ i }, 'connection error');
  expect(lines.map(([f]) => f.i)).toEqual([0, 1, 2]);
  clock = 1000;
  log({ i: 'next' }, 'connection error');
  expect(lines).toHaveLength(4);
  expect(lines[3]?.[0]).toEqual({ i: 'next', suppressed: 9997 });
  expect(lines[3]?.[1]).toContain('9997 similar lines suppressed');
  log({ i: 'after' }, 'connection error');
  expect(lines[4]?.[0]).toEqual({ i: 'after' });
});
