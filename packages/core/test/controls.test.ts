// Emergency controls, metrics and shutdown: pauseAll/resumeAll, killAll, metrics, and a shutdown
// that leaves no process of any terminal alive.
import { ErrorCode } from '@orchflow/protocol';
import { listProcessTree } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { alive, expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('controls', () => {
  it('pauseAll stops reading output and resumeAll continues it', async () => {
    orch = new Orchestrator();
    const a = await orch.spawnTerminal('a');
    const b = await orch.spawnTerminal('b');
    expect(orch.pauseAll({ agentId: 'a' })).toBe(1);
    expect(orch.pauseAll()).toBe(1);
    expect(orch.listTerminals().map((t) => t.state)).toEqual(['paused', 'paused']);
    a.write('echo resumed-$((20+3))\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.read({ fromOffset: 0 }).data).not.toContain('resumed-23');
    expect(orch.resumeAll()).toBe(2);
    await waitFor(() => a.read({ fromOffset: 0 }).data.includes('resumed-23'), 'output after resume');
    expect((await b.execute('echo ok')).stdout).toBe('ok\n');
  });

  it('killAll kills every terminal (or one agent) and returns the count', async () => {
    orch = new Orchestrator();
    const terms = await Promise.all(['a', 'a', 'b'].map((agent) => orch.spawnTerminal(agent)));
    const pids = terms.map((t) => t.info().pid);
    expect(await orch.killAll({ agentId: 'a' })).toBe(2);
    expect(orch.listTerminals().map((t) => t.agentId)).toEqual(['b']);
    expect(await orch.killAll()).toBe(1);
    expect(orch.listTerminals()).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('reports metrics in the protocol shape', async () => {
    orch = new Orchestrator();
    const a = await orch.spawnTerminal('a');
    await orch.spawnTerminal('b');
    const exited = await orch.spawnTerminal('b');
    await a.execute('true');
    await a.execute('true');
    exited.write('exit\n');
    await exited.exited;
    const m = await orch.metrics({ includeProcesses: true });
    expect(m).toMatchObject({
      terminals: { total: 3, running: 2 },
      terminalsByAgent: { a: 1, b: 1 },
      commandsExecuted: 2,
    });
    expect(m.uptimeMs).toBeGreaterThan(0);
    // Every PTY of this process got the exit drain (node-pty's internals as expected).
    expect(m.outputDrain).toMatchObject({ drained: expect.any(Number), undrained: 0 });
    expect(m.outputDrain?.drained).toBeGreaterThanOrEqual(3);
    expect(Object.keys(m.processes ?? {})).toEqual([a.id, expect.any(String)]);
    expect(m.processes?.[a.id]?.processCount).toBeGreaterThanOrEqual(1);
    expect((await orch.metrics()).processes).toBeUndefined();
  });

  it('shutdown kills every process, is idempotent, and later calls fail clearly', async () => {
    orch = new Orchestrator();
    const a = await orch.spawnTerminal('a');
    const b = await orch.spawnTerminal('b');
    a.write('sleep 300 & sleep 301\n');
    b.write('(sleep 302; echo x) &\n');
    await waitFor(() => listProcessTree(a.info().pid).length >= 3, 'children of a');
    await waitFor(() => listProcessTree(b.info().pid).length >= 2, 'children of b');
    const pids = [a, b].flatMap((t) => listProcessTree(t.info().pid).map((p) => p.pid));
    expect(pids.length).toBeGreaterThanOrEqual(5);
    const events = orch.subscribeEvents({ types: ['terminal.exit'] });
    await Promise.all([orch.shutdown(), orch.shutdown()]);
    expect(pids.filter(alive)).toEqual([]);
    const exits: string[] = [];
    for await (const ev of events) exits.push(ev.type);
    expect(exits).toEqual(['terminal.exit', 'terminal.exit']);
    expectCode(await rejection(orch.spawnTerminal('a')), ErrorCode.InvalidState);
    expect(() => orch.listTerminals()).not.toThrow();
    expect(() => orch.write(a.id, 'x')).toThrow(/shut down/);
    await orch.shutdown();
  });

  it('shutdown also ends paused terminals with a busy producer', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('a');
    t.write('yes\n');
    await waitFor(() => t.read().endOffset > 64 * 1024, 'output from yes');
    orch.pauseAll();
    const pids = listProcessTree(t.info().pid).map((p) => p.pid);
    await orch.shutdown();
    expect(pids.filter(alive)).toEqual([]);
  });
});
