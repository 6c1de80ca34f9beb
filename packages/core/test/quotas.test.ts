// Terminal quotas: total, per agent, the security policy's per-agent limit, and concurrent spawns.
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('quotas', () => {
  it('enforces the total limit with an error naming the limit and the count', async () => {
    orch = Orchestrator.builder().withMaxTerminals(2).build();
    await orch.spawnTerminal('a');
    await orch.spawnTerminal('b');
    const e = expectCode(await rejection(orch.spawnTerminal('c')), ErrorCode.QuotaExceeded);
    expect(e.message).toMatch(/maxTerminals = 2/);
    expect(e.data).toMatchObject({ limit: 'maxTerminals', max: 2, current: 2 });
    expect(orch.listTerminals()).toHaveLength(2);
  });

  it('enforces the per-agent limit without affecting other agents', async () => {
    orch = Orchestrator.builder().withMaxTerminals(10).withMaxTerminalsPerAgent(1).build();
    await orch.spawnTerminal('a');
    const e = expectCode(await rejection(orch.spawnTerminal('a')), ErrorCode.QuotaExceeded);
    expect(e.data).toMatchObject({ limit: 'maxTerminalsPerAgent', max: 1, current: 1, agentId: 'a' });
    expect(e.message).toMatch(/Agent 'a'/);
    await orch.spawnTerminal('b');
  });

  it('frees a slot when a terminal is killed or exits', async () => {
    orch = Orchestrator.builder().withMaxTerminalsPerAgent(1).build();
    const t = await orch.spawnTerminal('a');
    await t.kill();
    const t2 = await orch.spawnTerminal('a');
    t2.write('exit\n');
    await t2.exited;
    // The exited terminal stays listed but no longer counts.
    expect(orch.listTerminals({ agentId: 'a' })).toHaveLength(1);
    await orch.spawnTerminal('a');
  });

  it('counts spawns in flight, so concurrent spawns cannot overshoot', async () => {
    orch = Orchestrator.builder().withMaxTerminals(2).build();
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => orch.spawnTerminal('a')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expectCode((o as PromiseRejectedResult).reason, ErrorCode.QuotaExceeded);
    }
  });

  it("enforces the security policy's maxTerminalsPerAgent as a quota and keeps the policy", async () => {
    const policy = { maxTerminalsPerAgent: 1, deniedCommands: ['rm'] };
    orch = Orchestrator.builder().withMaxTerminalsPerAgent(5).withSecurityPolicy(policy).build();
    expect(orch.securityPolicy).toMatchObject(policy);
    await orch.spawnTerminal('a');
    const e = expectCode(await rejection(orch.spawnTerminal('a')), ErrorCode.QuotaExceeded);
    expect(e.data).toMatchObject({ limit: 'maxTerminalsPerAgent', max: 1 });
  });
});
