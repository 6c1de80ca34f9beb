// Every PolicyDenied error carries one `data` shape — `{ rule, reason, command? }` — whichever layer
// refused (command policy, plugin, spawn guard, raw-input judge), in-process and over the wire, so
// callers read it with `policyDenial()` instead of guessing per layer.
import { OrchflowClient } from '@orchflow/client';
import { isPolicyDenied, policyDenial } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { rejection } from './helpers';

let orch: Orchestrator | undefined;

afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

describe('PolicyDenied data', () => {
  it('a command-policy denial names rule, reason and command, also through a client', async () => {
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .build();
    const t = await orch.spawnTerminal('a');
    const local = await rejection(orch.execute(t.id, 'rm -f /tmp/orchflow-nothing'));
    expect(isPolicyDenied(local)).toBe(true);
    expect(policyDenial(local)).toMatchObject({
      rule: expect.stringMatching(/deniedCommands/),
      reason: expect.any(String),
      command: 'rm -f /tmp/orchflow-nothing',
    });
    const client = await OrchflowClient.direct(orch);
    try {
      const term = await client.spawnTerminal('b');
      const remote = await rejection(term.execute('rm -f /tmp/orchflow-nothing'));
      expect(policyDenial(remote)).toMatchObject({
        rule: policyDenial(local)?.rule,
        command: 'rm -f /tmp/orchflow-nothing',
      });
    } finally {
      await client.close();
    }
  });

  it("a plugin's denial has a plugin: rule, its reason and the command", async () => {
    orch = Orchestrator.builder()
      .withPlugin({
        metadata: { name: 'no-curl', version: '1' },
        onCommandExecute: async ({ command }) => ({ allow: !command.includes('curl'), reason: 'no network' }),
      })
      .build();
    const t = await orch.spawnTerminal('a');
    const e = await rejection(t.execute('curl example.invalid'));
    expect(policyDenial(e)).toMatchObject({
      rule: 'plugin:no-curl',
      reason: 'no network',
      command: 'curl example.invalid',
      plugin: 'no-curl',
      pluginFailed: false,
    });
  });

  it('a spawn-config denial has rule and reason and no command', async () => {
    orch = Orchestrator.builder()
      .withSecurityPolicy({ allowedCommands: ['echo'] })
      .build();
    const e = await rejection(orch.spawnTerminal('a', { env: { BASH_ENV: '/tmp/x' } }));
    const data = policyDenial(e);
    expect(data).toMatchObject({ rule: expect.stringMatching(/spawn-env/), reason: expect.any(String) });
    expect(data?.command).toBeUndefined();
  });

  it('is undefined for other errors', async () => {
    orch = Orchestrator.builder().build();
    const e = await rejection(orch.execute('no-such-terminal', 'echo'));
    expect(isPolicyDenied(e)).toBe(false);
    expect(policyDenial(e)).toBeUndefined();
  });
});
