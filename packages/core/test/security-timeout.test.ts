// The policy's execution timeout leaves nothing the command started behind: background jobs
// (their own process groups in an interactive shell) and double-forked processes are killed
// too, while the shell and what earlier commands left running survive.
import { randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableIsolationLevels, type IsolationLevel } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { alive } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

/** Pids of live processes whose command line is exactly `sleep <arg>`. */
function sleepers(arg: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === `sleep\0${arg}\0`) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids.filter(alive);
}

/** `sleepers(arg)` once SIGKILL has had time to land (delivery is asynchronous). */
async function survivors(arg: string, waitMs = 2_000): Promise<number[]> {
  for (let waited = 0; sleepers(arg).length > 0 && waited < waitMs; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return sleepers(arg);
}

// Unique sleep lengths, so concurrent test runs cannot see each other's processes.
const unique = (): string => `${4000 + randomInt(1000)}.${randomInt(1_000_000)}`;

// A sandboxed shell is not its session's leader (bubblewrap is), which the cleanup must handle.
const levels = availableIsolationLevels().filter((l): l is IsolationLevel => l !== 'container');

describe.each<IsolationLevel>(levels)('executionTimeoutMs (isolation %s)', (level) => {
  it('kills background jobs and double forks the timed-out command started', async () => {
    orch = Orchestrator.builder()
      .withSecurityPolicy({ isolationLevel: level, resourceLimits: { executionTimeoutMs: 1_000 } })
      .build();
    const term = await orch.spawnTerminal('agent', { cwd: mkdtempSync(join(tmpdir(), 'orchflow-to-')) });
    const earlier = unique();
    await term.execute(`sleep ${earlier} &`);
    const [job, orphan] = [unique(), unique()];

    const first = await term.execute(`sleep ${job} & sleep 30`, { timeoutMs: 60_000 });
    expect(first.timedOut).toBe(true);
    expect(await survivors(job)).toEqual([]);

    const second = await term.execute(`(sleep ${orphan} &); sleep 30`);
    expect(second.timedOut, JSON.stringify(second)).toBe(true);
    expect(await survivors(orphan)).toEqual([]);

    // What an earlier command left running is not this command's, and the shell still works.
    expect(sleepers(earlier)).toHaveLength(1);
    expect((await term.execute('echo alive')).stdout).toContain('alive');
  });
});
