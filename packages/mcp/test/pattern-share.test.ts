// A wait's pattern tests may take at most a quarter of the time the wait has lasted (after one
// deadline's allowance): a pattern just under the 1 s deadline, tested again at every chunk of a
// ten-minute wait, would otherwise keep a worker — a core — busy all that time. The probe is
// driven with a stand-in test and clock, so the rule is checked exactly.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { PatternProbe } from '../src/commands';
import { PATTERN_DEADLINE_MS } from '../src/pattern-pool';

/** A probe over output that grows by one line per test, a test costing `costMs`, and a clock. */
function probe(costMs: number, stepMs: number) {
  let now = 0;
  let lines = 0;
  const record = { plain: (raw: string) => raw, recentOutput: () => `line\n`.repeat(++lines) };
  const test = async (_pattern: RegExp, _text: string, spent?: (ms: number) => void) => {
    spent?.(costMs);
    now += stepMs;
    return false;
  };
  return new PatternProbe(record, /NEVER/, 0, test, () => now);
}

async function testsUntilRefused(p: PatternProbe, most: number): Promise<number | undefined> {
  for (let i = 1; i <= most; i++) {
    try {
      await p.matches();
    } catch (error) {
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toMatch(/more than 25 % of the time it waited; simplify it/);
      return i;
    }
  }
  return undefined;
}

describe("a wait's share of pattern testing", () => {
  it('fails a wait whose tests run back to back at just under the deadline', async () => {
    // 900 ms per test, one after another: after the allowance, 900 against 225 ms a step.
    expect(await testsUntilRefused(probe(PATTERN_DEADLINE_MS - 100, PATTERN_DEADLINE_MS - 100), 100)).toBe(2);
  });

  it('lets an ordinary pattern test every chunk of a long wait', async () => {
    // 2 ms per test, a chunk every 16 ms, for 10 000 chunks (160 s).
    expect(await testsUntilRefused(probe(2, 16), 10_000)).toBeUndefined();
  });

  it('lets a slow pattern through while its tests stay under a quarter of the wait', async () => {
    // 200 ms per test, every second: 20 %.
    expect(await testsUntilRefused(probe(200, 1_000), 600)).toBeUndefined();
  });
});
