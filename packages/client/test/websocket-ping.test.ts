// The `$/ping` watchdog on a fake clock: a link whose answers come promptly is never given up,
// however its timer drifts, and a link that answers nothing is given up after two periods.

import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { PingWatchdog } from '../src/transports/websocket-ping';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const PERIOD = 300;

/** Runs the fake clock for `ms`; `Date.now()` gains `lateMs` on the timers every 100 ms. */
async function run(ms: number, lateMs: number) {
  for (let elapsed = 0; elapsed < ms; elapsed += 100) {
    vi.setSystemTime(Date.now() + lateMs);
    await vi.advanceTimersByTimeAsync(100);
  }
}

it('keeps a link whose answers take 5 ms while its timer runs 1 % late', async () => {
  let pings = 0;
  let dead = false;
  const watchdog: PingWatchdog = new PingWatchdog(
    PERIOD,
    () => {
      pings++;
      setTimeout(() => watchdog.heard(), 5);
    },
    () => {
      dead = true;
    },
  );
  await run(30 * PERIOD, 1);
  watchdog.stop();
  expect(dead).toBe(false);
  // At least one ping every two periods of silence.
  expect(pings).toBeGreaterThanOrEqual(15);
});

it('gives up a link that answers nothing once two periods pass, and pings it once first', async () => {
  const sent: string[] = [];
  let silentFor: number | undefined;
  new PingWatchdog(
    PERIOD,
    (text) => sent.push(text),
    (silentMs) => {
      silentFor = silentMs;
    },
  );
  await run(2 * PERIOD - 100, 0);
  expect(silentFor).toBeUndefined();
  await run(PERIOD, 0);
  expect(silentFor).toBeGreaterThanOrEqual(2 * PERIOD);
  expect(sent.map((text) => JSON.parse(text).method)).toEqual(['$/ping']);
});
