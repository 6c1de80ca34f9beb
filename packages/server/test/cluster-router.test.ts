// The cluster router (`ClusterChannel`) over three real in-process orchestrators (ids prefixed
// n1_/n2_/n3_), driven by the real `OrchflowClient`: placement by load, labels and capacity with
// fallback on refusal; routing of every per-terminal call to its owner; no node → Unavailable at
// once; cancellation reaching the right node; node sessions opened when needed. Listings, metrics
// and bulk controls: cluster-router-fan-out.test.ts; a lost node: cluster-router-node-lost.test.ts.
import { ClusterChannel } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { failure, until } from './cluster-harness';
import {
  clusterForTest,
  InProcessCluster,
  ownerNode,
  rawClusterSession,
  scripted,
} from './cluster-links-harness';

describe('cluster router', { timeout: 120_000 }, () => {
  it('answers initialize itself and spreads 30 concurrent spawns by load', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    expect(client.serverInfo.name).toBe('orchflow-cluster');
    expect(client.capabilities.features).toEqual(expect.arrayContaining(['cluster', 'transactions']));
    expect(client.capabilities.transports).toEqual(['cluster']);
    const terminals = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.spawnTerminal(`agent-${i % 4}`, scripted)),
    );
    const counts = { n1: links.load('n1'), n2: links.load('n2'), n3: links.load('n3') };
    expect(counts.n1 + counts.n2 + counts.n3).toBe(30);
    expect(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts))).toBeLessThanOrEqual(1);
    for (const t of terminals) {
      expect(
        links
          .orch(ownerNode(t.id))
          .listTerminals()
          .some((info) => info.id === t.id),
      ).toBe(true);
    }
    // Least loaded first: after freeing two on n1, the next two spawns land there.
    const onN1 = terminals.filter((t) => ownerNode(t.id) === 'n1');
    await Promise.all(onN1.slice(0, 2).map((t) => t.kill()));
    const next = [await client.spawnTerminal('late', scripted), await client.spawnTerminal('late', scripted)];
    expect(next.map((t) => ownerNode(t.id))).toEqual(['n1', 'n1']);
  });

  it('honours labels and node, skips full nodes and falls back when a node refuses', async () => {
    const { links, client } = await clusterForTest([
      { id: 'n1', labels: { zone: 'a', gpu: 'yes' }, capacity: 3 },
      // Announces room it does not have: its orchestrator refuses with QuotaExceeded.
      { id: 'n2', labels: { zone: 'a' }, announcedLoad: 0, maxTerminals: 1 },
      { id: 'n3', labels: { zone: 'b' } },
    ]);
    const named = await client.spawnTerminal('n', { ...scripted, placement: { node: 'n2' } });
    expect(ownerNode(named.id)).toBe('n2');
    const gpu = { ...scripted, placement: { labels: { gpu: 'yes' } } };
    const onGpu = [await client.spawnTerminal('g', gpu), await client.spawnTerminal('g', gpu)];
    expect(onGpu.map((t) => ownerNode(t.id))).toEqual(['n1', 'n1']);
    const zoneB = await client.spawnTerminal('b', { ...scripted, placement: { labels: { zone: 'b' } } });
    expect(ownerNode(zoneB.id)).toBe('n3');
    // Zone a: n2 looks least loaded but refuses (its quota is full); the router tries n1 next.
    const zoneA = { ...scripted, placement: { labels: { zone: 'a' } } };
    const fellBack = await client.spawnTerminal('a', zoneA);
    expect(ownerNode(fellBack.id)).toBe('n1');
    // n1 is now at capacity: a GPU spawn has nowhere to go, at once.
    const full = await failure(client.spawnTerminal('g', gpu));
    expect(full.code).toBe(ErrorCode.Unavailable);
    expect(full.data.reason).toBe('no-capacity');
    // Zone a again: n1 is skipped (full) and n2 refuses: all refused, all for the quota.
    const refused = await failure(client.spawnTerminal('a', zoneA));
    expect(refused.code).toBe(ErrorCode.QuotaExceeded);
    expect(refused.data.reason).toBe('all-refused');
    expect(refused.data.refusals).toMatchObject([{ nodeId: 'n2', code: ErrorCode.QuotaExceeded }]);
    const noMatch = await failure(client.spawnTerminal('x', { placement: { labels: { zone: 'c' } } }));
    expect(noMatch.code).toBe(ErrorCode.Unavailable);
    expect(noMatch.data.reason).toBe('no-match');
    const badNode = await failure(client.spawnTerminal('x', { placement: { node: 'bad_node' } }));
    expect(badNode.code).toBe(ErrorCode.InvalidParams);
    expect([links.load('n1'), links.load('n2'), links.load('n3')]).toEqual([3, 1, 1]);
  });

  it('routes execute, write, read, snapshot, kill and batches to the owning node', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const byNode = await Promise.all(
      ['n1', 'n2', 'n3'].map((node) => client.spawnTerminal(`on-${node}`, { placement: { node } })),
    );
    for (const [i, t] of byNode.entries()) {
      expect(ownerNode(t.id)).toBe(`n${i + 1}`);
      const result = await t.execute(`echo "ran on $((${i} + 1))"`);
      expect(result).toMatchObject({ stdout: `ran on ${i + 1}\n`, exitCode: 0 });
    }
    const [t1, t2, t3] = byNode as [(typeof byNode)[0], (typeof byNode)[0], (typeof byNode)[0]];
    await t2.write('echo typed-$((6 * 7))\n');
    await until(
      () =>
        links
          .orch('n2')
          .read(t2.id, { maxBytes: 1 << 20 })
          .data.includes('typed-42'),
      'typed output',
    );
    const read = await t2.read({ maxBytes: 1 << 20 });
    expect(read.data).toContain('typed-42');
    expect((await t3.snapshot()).cols).toBe(80);
    expect(await t1.resize(100, 30)).toEqual({ cols: 100, rows: 30 });
    expect(links.orch('n1').listTerminals()[0]).toMatchObject({ id: t1.id, cols: 100 });
    const batch = await client.batchExecute([
      { terminalId: t3.id, command: 'echo one' },
      { terminalId: t3.id, command: 'echo two' },
    ]);
    expect(batch.map((r) => r.ok && r.result.stdout)).toEqual(['one\n', 'two\n']);
    const spanning = await failure(
      client.batchExecute([
        { terminalId: t1.id, command: 'true' },
        { terminalId: t3.id, command: 'true' },
      ]),
    );
    expect(spanning.code).toBe(ErrorCode.Unsupported);
    const tx = await client.transaction();
    const committed = await tx.commit([{ terminalId: t1.id, command: 'echo in-tx' }]);
    expect(committed[0]).toMatchObject({ ok: true, result: { stdout: 'in-tx\n' } });
    const raw = await rawClusterSession(links);
    const unknown = await failure(raw.request('terminal.read', { terminalId: 'n9_nope' }));
    expect(unknown.code).toBe(ErrorCode.TerminalNotFound);
    const unprefixed = await failure(raw.request('terminal.read', { terminalId: 'no-prefix' }));
    expect(unprefixed.code).toBe(ErrorCode.TerminalNotFound);
    await t2.kill();
    expect(
      links
        .orch('n2')
        .listTerminals()
        .some((t) => t.id === t2.id && t.state !== 'exited'),
    ).toBe(false);
    expect(links.load('n1')).toBe(1);
    expect(links.load('n3')).toBe(1);
  });

  it('fails at once with Unavailable when no node is live', async () => {
    const empty = new InProcessCluster();
    const started = Date.now();
    // Connecting to an empty cluster succeeds (a default node's capabilities); spawns fail at once.
    const early = await OrchflowClient.fromChannel(new ClusterChannel(empty));
    expect(early.capabilities.features).toContain('cluster');
    const refused = await failure(early.spawnTerminal('nobody', scripted));
    expect(refused.code).toBe(ErrorCode.Unavailable);
    expect(refused.data.reason).toBe('no-node');
    await early.close();
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }]);
    links.kill('n1');
    links.kill('n2');
    const spawn = await failure(client.spawnTerminal('nobody', scripted));
    expect(spawn.code).toBe(ErrorCode.Unavailable);
    expect(spawn.data.reason).toBe('no-node');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('delivers a cancelled execute to the node that runs it', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const terminals = await Promise.all(
      ['n1', 'n2', 'n3'].map((node) => client.spawnTerminal(`c-${node}`, { placement: { node } })),
    );
    const target = terminals[2] as (typeof terminals)[0];
    const controller = new AbortController();
    let started = false;
    const running = target.execute('sleep 60; echo "not-$((1 + 1))-cancelled"', {
      signal: controller.signal,
      onStart: () => (started = true),
    });
    await until(() => started, 'the sleep to start');
    controller.abort();
    expect((await failure(running)).code).toBe(ErrorCode.Cancelled);
    // The node interrupted the sleep: the terminal runs the next command at once.
    const t0 = Date.now();
    expect((await target.execute('echo free')).stdout).toBe('free\n');
    expect(Date.now() - t0).toBeLessThan(20_000);
    const history = await target.history();
    expect(history.find((c) => c.command.startsWith('sleep 60'))?.exitCode).not.toBe(0);
    expect(links.orch('n3').read(target.id, { maxBytes: 1 << 20 }).data).not.toContain('not-2-cancelled');
  });
});

describe('cluster router: node sessions open when needed', () => {
  it('initializes with one node when the others announce their capabilities, and opens the rest on use', async () => {
    const specs = ['n1', 'n2', 'n3'].map((id) => ({ id, announceCapabilities: true }));
    const { links, client } = await clusterForTest(specs);
    // One node judged the caller; the capabilities are every node's all the same.
    expect([...links.opened.values()].reduce((a, b) => a + b, 0)).toBe(1);
    expect(client.capabilities.features).toContain('cluster');
    expect(client.capabilities.backends.length).toBeGreaterThan(0);
    const onN3 = await client.spawnTerminal('lazy-3', { ...scripted, placement: { node: 'n3' } });
    expect(links.opened.get('n3')).toBe(1);
    expect((await onN3.execute('echo lazy')).stdout).toBe('lazy\n');
    expect(links.opened.get('n3')).toBe(1);
    // A listing asks every node: now each has one session, and none a second.
    expect((await client.listTerminals()).map((t) => t.id)).toContain(onN3.id);
    expect(Object.fromEntries(links.opened)).toEqual({ n1: 1, n2: 1, n3: 1 });
  });

  it('asks every node at initialize when they do not announce capabilities (older nodes)', async () => {
    const { links } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    expect(Object.fromEntries(links.opened)).toEqual({ n1: 1, n2: 1, n3: 1 });
  });

  it('falls back to the other nodes when the one it asked first cannot answer', async () => {
    const links = new InProcessCluster([
      { id: 'n1', announceCapabilities: true, hang: true, announcedLoad: 0 },
      { id: 'n2', announceCapabilities: true, announcedLoad: 5 },
    ]);
    onTestFinished(() => links.close());
    const client = await OrchflowClient.fromChannel(new ClusterChannel(links, { connectTimeoutMs: 300 }), {
      clientInfo: { name: 'fallback' },
    });
    onTestFinished(() => client.close());
    expect(client.principal.kind).toBe('admin');
    expect(Object.fromEntries(links.opened)).toEqual({ n1: 1, n2: 1 });
  });
});
