// Idle and LRU eviction and the per-user queue cap, on real sandboxed terminals: a bot that met
// more users than it has terminals for must still serve the newcomer, and an idle user's terminal
// and files must go.

import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeBot } from '../src/bot';
import { type EvictionReason, SandboxRunner, type SandboxRunnerOptions } from '../src/runner';

const runners: SandboxRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});
function setUp(options: SandboxRunnerOptions) {
  const runner = SandboxRunner.create({ timeoutMs: 20_000, ...options });
  runners.push(runner);
  const bot = new CodeBot(runner);
  const say = (user: string, text: string) => bot.handle({ userId: user, channelId: 'test', text });
  return { runner, say };
}
// The next eviction, with a generous deadline (the test fails rather than hang).
function nextEviction(runner: SandboxRunner): Promise<[string, EvictionReason]> {
  return once(runner.events, 'evicted', { signal: AbortSignal.timeout(20_000) }) as Promise<
    [string, EvictionReason]
  >;
}

describe('eviction', () => {
  it('drops an idle user’s terminal and workspace, and their next run starts fresh', async () => {
    const { runner, say } = setUp({ idleMs: 200 });
    const evicted = nextEviction(runner);
    expect(await say('ivy', "!run python3 open('f.txt', 'w').write('x'); print('ok')")).toContain(
      '✅ exit 0',
    );
    const workspace = runner.workspaceOf('ivy');
    expect(existsSync(`${workspace}/f.txt`)).toBe(true);
    expect(await evicted).toEqual(['ivy', 'idle']);
    expect(runner.orchestrator.listTerminals()).toHaveLength(0);
    expect(runner.activeUsers()).toEqual([]);
    expect(existsSync(workspace)).toBe(false);
    expect(await say('ivy', "!run python3 import os; print(os.listdir('.'))")).toContain("['main.py']");
  });

  it('at the cap, evicts the least recently active user so a newcomer can run', async () => {
    const { runner, say } = setUp({ maxUsers: 2 });
    expect(await say('ann', '!run python3 print(1)')).toContain('✅ exit 0');
    expect(await say('ben', '!run python3 print(2)')).toContain('✅ exit 0');
    // ann ran again: ben is now the least recently active.
    expect(await say('ann', '!run python3 print(3)')).toContain('✅ exit 0');
    const evicted = nextEviction(runner);
    const reply = await say('cat', '!run python3 print("newcomer")');
    expect(reply).toContain('✅ exit 0');
    expect(reply).toContain('newcomer');
    expect(await evicted).toEqual(['ben', 'lru']);
    expect(
      runner.orchestrator
        .listTerminals()
        .map((t) => t.agentId)
        .sort(),
    ).toEqual(['chat-ann', 'chat-cat']);
    expect(existsSync(runner.workspaceOf('ben'))).toBe(false);
  });

  it('refuses a user’s third queued run with a clear reply and runs the first two', async () => {
    const { runner, say } = setUp({ maxPendingRuns: 2 });
    const first = say('dan', '!run python3 import time; time.sleep(1); print("first")');
    const second = say('dan', '!run python3 print("second")');
    const third = await say('dan', '!run python3 print("third")');
    expect(third).toContain('⏳ you already have 2 runs waiting or running; this one was not run');
    expect(await first).toContain('first');
    expect(await second).toContain('second');
    // Once they finished, the user may run again; another user was never blocked.
    expect(await say('dan', '!run python3 print("fourth")')).toContain('fourth');
    expect(runner.orchestrator.listTerminals({ agentId: 'chat-dan' })).toHaveLength(1);
  });

  it('rejects bad options with InvalidParams', () => {
    expect(() => SandboxRunner.create({ maxPendingRuns: 0 })).toThrow(/maxPendingRuns/);
    expect(() => SandboxRunner.create({ idleMs: -1 })).toThrow(/idleMs/);
  });
});
