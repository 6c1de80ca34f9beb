// Plugins: admission in registration order, denial with reasons, fail-closed on errors, and the
// observer hooks.
import { ErrorCode, type TerminalInfo } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CommandContext,
  Orchestrator,
  type OrchflowPlugin,
  type SecurityAlertEvent,
} from '../src/index';
import { expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

function plugin(name: string, onCommandExecute: OrchflowPlugin['onCommandExecute']): OrchflowPlugin {
  return { metadata: { name, version: '1.0.0' }, onCommandExecute };
}

describe('plugins', () => {
  it('run in registration order with the command context and allow on true', async () => {
    const calls: string[] = [];
    const seen: CommandContext[] = [];
    orch = Orchestrator.builder()
      .withPlugin(
        plugin('first', (cmd) => {
          calls.push('first');
          seen.push(cmd);
          return true;
        }),
      )
      .withPlugin(
        plugin('second', async () => {
          calls.push('second');
          return { allow: true };
        }),
      )
      .build();
    const t = await orch.spawnTerminal('agent-x');
    expect((await t.execute('echo ok')).stdout).toBe('ok\n');
    expect(calls).toEqual(['first', 'second']);
    expect(seen[0]).toMatchObject({ command: 'echo ok', terminalId: t.id, agentId: 'agent-x' });
    expect(seen[0]?.cwd).toBe(process.cwd());
  });

  it('block a command on false, and later plugins are not asked', async () => {
    const later: string[] = [];
    orch = Orchestrator.builder()
      .withPlugin(plugin('guard', ({ command }) => !command.includes('forbidden')))
      .withPlugin(
        plugin('later', ({ command }) => {
          later.push(command);
          return true;
        }),
      )
      .build();
    const t = await orch.spawnTerminal('a');
    const e = expectCode(await rejection(t.execute('echo forbidden > /dev/null')), ErrorCode.PolicyDenied);
    expect(e.message).toMatch(/plugin 'guard'/);
    expect(e.data).toMatchObject({ plugin: 'guard', pluginFailed: false, terminalId: t.id, agentId: 'a' });
    expect(later).toEqual([]);
    expect((await t.execute('echo fine')).stdout).toBe('fine\n');
    expect(later).toEqual(['echo fine']);
  });

  it('block with { allow: false, reason } and carry the reason; alert is emitted', async () => {
    orch = Orchestrator.builder()
      .withPlugin(
        plugin('no-rm', async ({ command }) => ({
          allow: !command.startsWith('rm'),
          reason: 'rm is not allowed',
        })),
      )
      .build();
    const alerts: SecurityAlertEvent[] = [];
    orch.on('security.alert', (a) => alerts.push(a));
    const t = await orch.spawnTerminal('a');
    const e = expectCode(await rejection(orch.execute(t.id, 'rm -rf /tmp/nothing')), ErrorCode.PolicyDenied);
    expect(e.message).toContain('rm is not allowed');
    expect(e.data).toMatchObject({ plugin: 'no-rm', reason: 'rm is not allowed' });
    expect(alerts).toMatchObject([{ severity: 'warning', command: 'rm -rf /tmp/nothing', terminalId: t.id }]);
  });

  it('fail closed when a plugin throws, keep the orchestrator working, and raise a critical alert', async () => {
    let broken = true;
    orch = Orchestrator.builder()
      .withPlugin(
        plugin('flaky', () => {
          if (broken) throw new Error('database unreachable');
          return true;
        }),
      )
      .build();
    const alerts: SecurityAlertEvent[] = [];
    orch.on('security.alert', (a) => alerts.push(a));
    const t = await orch.spawnTerminal('a');
    const e = expectCode(await rejection(t.execute('echo never')), ErrorCode.PolicyDenied);
    expect(e.message).toMatch(/plugin 'flaky' failed \(plugin threw: database unreachable\)/);
    expect(e.data).toMatchObject({ plugin: 'flaky', pluginFailed: true });
    expect(alerts[0]).toMatchObject({ severity: 'critical', rule: 'plugin:flaky' });
    expect(t.read({ fromOffset: 0 }).data).not.toContain('never');
    broken = false;
    expect((await t.execute('echo recovered')).stdout).toBe('recovered\n');
  });

  it('fail closed on an invalid verdict and on a plugin that times out', async () => {
    orch = Orchestrator.builder()
      .withOptions({ pluginTimeoutMs: 200 })
      .withPlugin(
        plugin('slow', ({ command }) => (command === 'hang' ? new Promise<boolean>(() => {}) : true)),
      )
      .withPlugin(plugin('sloppy', (() => undefined) as unknown as OrchflowPlugin['onCommandExecute']))
      .build();
    const t = await orch.spawnTerminal('a');
    expect(expectCode(await rejection(t.execute('hang')), ErrorCode.PolicyDenied).message).toMatch(
      /slow.*200 ms/,
    );
    expect(expectCode(await rejection(t.execute('echo x')), ErrorCode.PolicyDenied).message).toMatch(
      /sloppy.*invalid verdict/,
    );
  });

  it('run onInit before the first command; a failed onInit denies every command', async () => {
    const order: string[] = [];
    orch = Orchestrator.builder()
      .withPlugin({
        metadata: { name: 'init-ok', version: '1' },
        async onInit({ orchestrator }) {
          expect(orchestrator).toBeInstanceOf(Orchestrator);
          await new Promise((r) => setTimeout(r, 50));
          order.push('init');
        },
      })
      .withPlugin({
        metadata: { name: 'init-bad', version: '1' },
        onInit: () => Promise.reject(new Error('no config')),
      })
      .build();
    const errors: string[] = [];
    orch.on('plugin.error', (e) => errors.push(`${e.plugin}/${e.hook}: ${e.message}`));
    const t = await orch.spawnTerminal('a');
    order.push('spawned');
    expect(order).toEqual(['init', 'spawned']);
    expect(errors).toEqual(['init-bad/onInit: no config']);
    const e = expectCode(await rejection(t.execute('echo x')), ErrorCode.PolicyDenied);
    expect(e.message).toMatch(/init-bad.*failed to initialise: no config/);
  });

  it('call onTerminalSpawn and onTerminalExit; a throwing observer is reported and ignored', async () => {
    const spawned: TerminalInfo[] = [];
    const exited: [string, number | null][] = [];
    orch = Orchestrator.builder()
      .withPlugin({
        metadata: { name: 'observer', version: '1' },
        onTerminalSpawn: (t) => void spawned.push(t),
        onTerminalExit: (t, code) => void exited.push([t.id, code]),
      })
      .withPlugin({
        metadata: { name: 'crashy', version: '1' },
        onTerminalSpawn: () => {
          throw new Error('boom');
        },
      })
      .build();
    const errors: string[] = [];
    orch.on('plugin.error', (e) => errors.push(`${e.plugin}/${e.hook}`));
    const t = await orch.spawnTerminal('a');
    expect(spawned.map((s) => s.id)).toEqual([t.id]);
    expect(errors).toEqual(['crashy/onTerminalSpawn']);
    t.write('exit 5\n');
    await waitFor(() => exited.length === 1, 'onTerminalExit');
    expect(exited).toEqual([[t.id, 5]]);
  });
});
