// The cluster router's calls that ask every node, over real in-process orchestrators: merged
// listings and metrics, a node that does not answer named rather than waited for, and emergency
// stops (`killAll`) that say when a node was out of reach — and stop saying it once the node is
// back, forgotten or gone cleanly. Also: a listing leaves no abort signal behind per node.
import { queryObjects, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { failure } from './cluster-harness';
import { clusterForTest, ownerNode, scripted } from './cluster-links-harness';

describe('cluster router: fan-out', { timeout: 120_000 }, () => {
  it('merges listings and metrics, names nodes that do not answer, fans killAll out', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }], {
      fanOutTimeoutMs: 500,
    });
    for (const node of ['n1', 'n2', 'n2', 'n3'])
      await client.spawnTerminal(`a-${node}`, { ...scripted, placement: { node } });
    const listed = await client.listTerminals();
    expect(listed.map((t) => ownerNode(t.id)).sort()).toEqual(['n1', 'n2', 'n2', 'n3']);
    expect((await client.listTerminals({ agentId: 'a-n2' })).length).toBe(2);
    const metrics = await client.metrics();
    expect(metrics.terminals).toEqual({ total: 4, running: 4 });
    expect(metrics.terminalsByAgent).toEqual({ 'a-n1': 1, 'a-n2': 2, 'a-n3': 1 });
    expect(metrics.unreachableNodes).toBeUndefined();
    // A node that is live but never answers is named, not waited for.
    links.add({ id: 'n4', hang: true });
    const started = Date.now();
    const partial = await client.metrics();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(partial.unreachableNodes).toEqual(['n4']);
    expect(partial.terminals.total).toBe(4);
    // An emergency stop that missed a node must not look complete: Unavailable, with what was done.
    const partialKill = await client.killAll().catch((error: unknown) => error);
    expect(isOrchflowError(partialKill) && partialKill.code).toBe(ErrorCode.Unavailable);
    expect((partialKill as { data: unknown }).data).toEqual({
      reason: 'partial',
      killed: 4,
      unreachableNodes: ['n4'],
    });
    expect((partialKill as Error).message).toMatch(/node\(s\) n4 did not answer/);
    expect([links.load('n1'), links.load('n2'), links.load('n3')]).toEqual([0, 0, 0]);
  });

  it('an emergency stop does not look complete while a node lost with running terminals is away', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const stalled = await client.spawnTerminal('a', { ...scripted, placement: { node: 'n2' } });
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n1' } });
    await client.spawnTerminal('b', { ...scripted, placement: { node: 'n3' } });
    // n2 stops heartbeating but is only stalled: its terminal still runs, out of reach.
    links.kill('n2', 'ttl');
    const missed = await client.killAll().catch((error: unknown) => error);
    expect(isOrchflowError(missed) && missed.code).toBe(ErrorCode.Unavailable);
    expect((missed as { data: unknown }).data).toEqual({
      reason: 'partial',
      killed: 2,
      unreachableNodes: ['n2'],
    });
    expect((missed as Error).message).toMatch(/may or may not/);
    expect(links.load('n2')).toBe(1);
    // Another agent's emergency stop never had a terminal there.
    await client.spawnTerminal('b', { ...scripted, placement: { node: 'n1' } });
    expect(await client.killAll('b')).toBe(1);
    // Back, it is reached again, and the stop is complete.
    links.revive('n2');
    expect(await client.killAll()).toBe(1);
    expect(links.load('n2')).toBe(0);
    expect((await client.listTerminals()).find((t) => t.id === stalled.id)?.state).not.toBe('running');
  });

  it('a node lost by its TTL and then forgotten (its key deleted) no longer makes a stop partial', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }]);
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n2' } });
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n1' } });
    links.kill('n2', 'ttl');
    expect(
      ((await failure(client.killAll())).data as { unreachableNodes: string[] }).unreachableNodes,
    ).toEqual(['n2']);
    // An operator deletes the dead node's key: the directory reports it `deleted`.
    links.kill('n2', 'deleted');
    expect(await client.killAll()).toBe(0);
    // Its terminal stays listed as lost, not running.
    const listed = await client.listTerminals();
    expect(listed.filter((t) => t.id.startsWith('n2_')).map((t) => [t.state, t.exitReason])).toEqual([
      ['exited', 'node-lost'],
    ]);
  });

  it('a node that left cleanly does not make an emergency stop partial', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }]);
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n2' } });
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n1' } });
    links.kill('n2', 'deleted');
    expect(await client.killAll()).toBe(1);
  });

  it('leaves no abort signal alive per listing (fan-out)', async () => {
    const { client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }]);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const tick = () => new Promise((r) => setTimeout(r, 20));
    // Collected garbage only: WeakRefs (AbortSignal.any holds its sources by them) keep their
    // targets until the current job ends, hence the ticks.
    const live = async () => {
      await tick();
      gc();
      await tick();
      gc();
      return queryObjects(AbortSignal, { format: 'count' }) as number;
    };
    for (let i = 0; i < 5; i++) await client.listTerminals();
    const before = await live();
    for (let i = 0; i < 60; i++) await client.listTerminals();
    // Before the fix: the composite signal of each node stayed alive per listing (120 here).
    expect((await live()) - before).toBeLessThan(20);
  });
});
