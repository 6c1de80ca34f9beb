// An agent's `terminal_wait` pattern never runs on the server's event loop: patterns that
// backtrack exponentially (`(a|a)*c`, `(\w|a)*b`) or polynomially (`.*.*.*x`) get past any check
// of their source, so every test against output runs in a worker with a deadline. Such a pattern
// fails its wait with InvalidParams within about PATTERN_DEADLINE_MS, while timers keep firing
// and other tool calls are answered; ordinary patterns match as before.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { compilePattern } from '../src/pattern';
import { PATTERN_DEADLINE_MS, testPattern } from '../src/pattern-pool';
import { linkedClient, orchestrator, structured, textOf } from './helpers';

/** Runs `body` while a 10 ms interval measures the event loop: returns its result and the worst lag. */
async function withLoopLag<T>(body: () => Promise<T>): Promise<{ value: T; maxLagMs: number }> {
  let last = performance.now();
  let maxLagMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 10);
    last = now;
  }, 10);
  try {
    const value = await body();
    maxLagMs = Math.max(maxLagMs, performance.now() - last - 10);
    return { value, maxLagMs };
  } finally {
    clearInterval(timer);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('testPattern (worker with a deadline)', { timeout: 30_000 }, () => {
  it('matches ordinary patterns as a regex would, multiline', async () => {
    const text = 'build started\nSERVER READY on port 8080\ndone\n';
    for (const source of ['READY', 'port \\d+', '^done$', 'READY on port \\d{4}\\n', '(foo|SERVER)']) {
      expect(await testPattern(compilePattern(source), text)).toBe(true);
    }
    for (const source of ['NEVER', '^READY', 'port \\d{5}']) {
      expect(await testPattern(compilePattern(source), text)).toBe(false);
    }
    expect(await testPattern(compilePattern('x'), '')).toBe(false);
  });

  // The attacker review's patterns, on the inputs that froze the server: (a|a)*c on 33 characters
  // would take minutes, .*.*.*x on 2,000 far longer.
  for (const [source, text] of [
    ['(a|a)*c', 'a'.repeat(33)],
    ['(\\w|a)*b', 'a'.repeat(33)],
    ['.*.*.*x', 'a'.repeat(2_000)],
  ] as const) {
    it(`fails ${source} on ${text.length} characters within the deadline, the loop free`, async () => {
      const began = performance.now();
      const { value: error, maxLagMs } = await withLoopLag(() =>
        rejection(testPattern(compilePattern(source), text)),
      );
      const tookMs = performance.now() - began;
      expect(isOrchflowError(error)).toBe(true);
      expect((error as { code: number }).code).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toContain(`took longer than ${PATTERN_DEADLINE_MS} ms on the output`);
      expect((error as Error).message).toContain('simplify it');
      expect(tookMs).toBeLessThan(PATTERN_DEADLINE_MS + 5_000);
      // On the event loop these take seconds to minutes; a busy CI machine lags far less.
      expect(maxLagMs).toBeLessThan(2_000);
    });
  }

  it('keeps answering other tests while one overruns, and after it', async () => {
    const slow = rejection(testPattern(compilePattern('(a|a)*c'), 'a'.repeat(40)));
    // The second worker answers while the first runs the slow pattern.
    expect(await testPattern(compilePattern('READY'), 'x\nREADY\n')).toBe(true);
    expect(isOrchflowError(await slow)).toBe(true);
    // The overrunning worker was replaced.
    expect(await testPattern(compilePattern('a+c'), 'aaac')).toBe(true);
  });
});

describe('terminal_wait with a catastrophic pattern', { timeout: 90_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    orch = await orchestrator();
    ({ client, close } = await linkedClient(orch));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  const run = async (args: Record<string, unknown>) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: args }),
    );

  // Sizes that take these patterns 5 to 10 s on the event loop of a 2-core CI machine even as native
  // code (V8 compiles a regex to native code once it has run, here on the output before the a's):
  // 2^30 and ~600^4/24 steps. Far past the deadline, yet short enough that on the event loop this
  // fails rather than hangs.
  for (const [source, text] of [
    ['(a|a)*c', 'a'.repeat(30)],
    ['(\\w|a)*b', 'a'.repeat(30)],
    ['.*.*.*x', 'a'.repeat(600)],
  ] as const) {
    it(`answers ${source} with InvalidParams while the server stays responsive`, async () => {
      const started = await run({ command: `sleep 1; printf ${text}; sleep 5`, yield_ms: 0 });
      expect(started.status).toBe('running');
      const { value, maxLagMs } = await withLoopLag(async () => {
        const began = performance.now();
        const wait = client
          .callTool({
            name: 'terminal_wait',
            arguments: {
              terminal_id: started.terminal_id,
              until: 'output',
              pattern: source,
              timeout_ms: 30_000,
            },
          })
          .then((result) => ({ result, tookMs: performance.now() - began }));
        // Meanwhile (the output arrives after 1 s), another tool call is answered at once.
        await new Promise((resolve) => setTimeout(resolve, 1_300));
        const listBegan = performance.now();
        const list = await client.callTool({ name: 'terminal_list', arguments: {} });
        const listMs = performance.now() - listBegan;
        return { ...(await wait), list, listMs };
      });
      expect(value.result.isError).toBe(true);
      expect(textOf(value.result)).toContain('InvalidParams');
      expect(textOf(value.result)).toContain(`took longer than ${PATTERN_DEADLINE_MS} ms on the output`);
      expect(value.tookMs).toBeLessThan(1_000 + PATTERN_DEADLINE_MS + 6_000);
      expect(value.list.isError).toBeFalsy();
      expect(value.listMs).toBeLessThan(3_000);
      expect(maxLagMs).toBeLessThan(2_000);
      await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: started.terminal_id } });
    });
  }

  it('still matches an ordinary pattern, across output that arrives in pieces', async () => {
    const started = await run({
      command: 'echo one; sleep 0.3; echo READY-7; sleep 0.3; echo two',
      yield_ms: 0,
    });
    const wait = async (pattern: string) =>
      structured<CommandReport>(
        'terminal_wait',
        await client.callTool({
          name: 'terminal_wait',
          arguments: { terminal_id: started.terminal_id, until: 'output', pattern, timeout_ms: 30_000 },
        }),
      );
    const matched = await wait('^READY-\\d+$');
    expect(matched.condition_met).toBe(true);
    expect(matched.output).toContain('READY-7');
    const never = await wait('NEVER');
    // The command ended with all its output seen: the wait ends unmet, without waiting it out.
    expect(never.condition_met).toBe(false);
    expect(never.status).toBe('exited');
  });
});
