// The cluster router (`ClusterChannel`) over three real in-process orchestrators (ids prefixed
// n1_/n2_/n3_), driven by the real `OrchflowClient`: placement by load, labels and capacity with
// fallback on refusal; routing of every per-terminal call to its owner; merged listings, metrics
// and bulk controls; a lost node (in-flight requests fail with Unavailable, subscribers get
// `terminal.exit` with `reason: 'node-lost'`, listings show its terminals as lost until it is
// back); no node → Unavailable at once; cancellation reaching the right node.
import { queryObjects, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClusterChannel } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError, Methods, PROTOCOL_VERSION, RpcPeer } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InProcessCluster, type TestNodeSpec } from './cluster-links-harness';

const owner = (id: string) => id.slice(0, id.indexOf('_'));

async function cluster(specs: TestNodeSpec[], options: { fanOutTimeoutMs?: number } = {}) {
  const links = new InProcessCluster(specs);
  onTestFinished(() => links.close());
  const client = await OrchflowClient.fromChannel(new ClusterChannel(links, options), {
    clientInfo: { name: 'cluster-test' },
  });
  onTestFinished(() => client.close());
  return { links, client };
}

/** A raw JSON-RPC session on a new ClusterChannel (to see notifications and results as sent). */
async function rawSession(
  links: InProcessCluster,
  onNotification?: (method: string, params: unknown) => void,
) {
  const peer = new RpcPeer(new ClusterChannel(links), {
    methods: Methods,
    onUnhandledNotification: onNotification,
  });
  onTestFinished(() => peer.close());
  peer.start();
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' } });
  return peer;
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; data: Record<string, unknown> }> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), String(error)).toBe(true);
  return error as { code: number; message: string; data: Record<string, unknown> };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const scripted = { mode: 'scripted' as const };

describe('cluster router', { timeout: 120_000 }, () => {
  it('answers initialize itself and spreads 30 concurrent spawns by load', async () => {
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
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
          .orch(owner(t.id))
          .listTerminals()
          .some((info) => info.id === t.id),
      ).toBe(true);
    }
    // Least loaded first: after freeing two on n1, the next two spawns land there.
    const onN1 = terminals.filter((t) => owner(t.id) === 'n1');
    await Promise.all(onN1.slice(0, 2).map((t) => t.kill()));
    const next = [await client.spawnTerminal('late', scripted), await client.spawnTerminal('late', scripted)];
    expect(next.map((t) => owner(t.id))).toEqual(['n1', 'n1']);
  });

  it('honours labels and node, skips full nodes and falls back when a node refuses', async () => {
    const { links, client } = await cluster([
      { id: 'n1', labels: { zone: 'a', gpu: 'yes' }, capacity: 3 },
      // Announces room it does not have: its orchestrator refuses with QuotaExceeded.
      { id: 'n2', labels: { zone: 'a' }, announcedLoad: 0, maxTerminals: 1 },
      { id: 'n3', labels: { zone: 'b' } },
    ]);
    const named = await client.spawnTerminal('n', { ...scripted, placement: { node: 'n2' } });
    expect(owner(named.id)).toBe('n2');
    const gpu = { ...scripted, placement: { labels: { gpu: 'yes' } } };
    const onGpu = [await client.spawnTerminal('g', gpu), await client.spawnTerminal('g', gpu)];
    expect(onGpu.map((t) => owner(t.id))).toEqual(['n1', 'n1']);
    const zoneB = await client.spawnTerminal('b', { ...scripted, placement: { labels: { zone: 'b' } } });
    expect(owner(zoneB.id)).toBe('n3');
    // Zone a: n2 looks least loaded but refuses (its quota is full); the router tries n1 next.
    const zoneA = { ...scripted, placement: { labels: { zone: 'a' } } };
    const fellBack = await client.spawnTerminal('a', zoneA);
    expect(owner(fellBack.id)).toBe('n1');
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
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const byNode = await Promise.all(
      ['n1', 'n2', 'n3'].map((node) => client.spawnTerminal(`on-${node}`, { placement: { node } })),
    );
    for (const [i, t] of byNode.entries()) {
      expect(owner(t.id)).toBe(`n${i + 1}`);
      const result = await t.execute(`echo "ran on $((${i} + 1))"`);
      expect(result).toMatchObject({ stdout: `ran on ${i + 1}\n`, exitCode: 0 });
    }
    const [t1, t2, t3] = byNode as [(typeof byNode)[0], (typeof byNode)[0], (typeof byNode)[0]];
    await t2.write('echo typed-$((6 * 7))\n');
    await waitFor(
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
    const raw = await rawSession(links);
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

  it('merges listings and metrics, names nodes that do not answer, fans killAll out', async () => {
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }], {
      fanOutTimeoutMs: 500,
    });
    for (const node of ['n1', 'n2', 'n2', 'n3'])
      await client.spawnTerminal(`a-${node}`, { ...scripted, placement: { node } });
    const listed = await client.listTerminals();
    expect(listed.map((t) => owner(t.id)).sort()).toEqual(['n1', 'n2', 'n2', 'n3']);
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
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
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
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }]);
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
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }]);
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n2' } });
    await client.spawnTerminal('a', { ...scripted, placement: { node: 'n1' } });
    links.kill('n2', 'deleted');
    expect(await client.killAll()).toBe(1);
  });

  it('fails in-flight requests of a lost node, tells subscribers, lists its terminals as lost', async () => {
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const doomed = await client.spawnTerminal('doomed', { placement: { node: 'n2' } });
    const survivor = await client.spawnTerminal('survivor', { placement: { node: 'n1' } });
    // A raw session sees the exit notification as sent.
    const exits: unknown[] = [];
    const raw = await rawSession(links, (method, params) => {
      if (method === 'terminal.exit') exits.push(params);
    });
    const sub = await raw.request('terminal.subscribe', { terminalId: doomed.id });
    expect(sub.subscriptionId.startsWith('n2_')).toBe(true);
    // The client's own stream of the doomed terminal.
    const events: string[] = [];
    const streaming = (async () => {
      for await (const event of doomed.stream()) events.push(event.type);
    })();
    let started = false;
    // Short: the "lost" node still runs it, and the terminal's next command waits for it.
    const inFlight = doomed.execute('sleep 4', { onStart: () => (started = true) });
    await waitFor(() => started, 'the sleep to start');
    const lostAt = Date.now();
    links.kill('n2');
    const error = await failure(inFlight);
    expect(Date.now() - lostAt).toBeLessThan(5_000);
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.data).toMatchObject({ reason: 'node-lost', nodeId: 'n2' });
    await waitFor(() => exits.length > 0, 'terminal.exit');
    expect(exits[0]).toEqual({
      terminalId: doomed.id,
      subscriptionId: sub.subscriptionId,
      exitCode: null,
      signal: null,
      reason: 'node-lost',
    });
    await streaming;
    expect(events.at(-1)).toBe('end');
    // Later calls fail the same way; spawns avoid the lost node; listings show its terminal lost.
    expect((await failure(doomed.execute('true'))).data.reason).toBe('node-lost');
    for (let i = 0; i < 4; i++)
      expect(owner((await client.spawnTerminal('after', scripted)).id)).not.toBe('n2');
    const listed = await client.listTerminals();
    expect(listed.find((t) => t.id === doomed.id)).toMatchObject({
      state: 'exited',
      exitCode: null,
      exitReason: 'node-lost',
    });
    expect(listed.find((t) => t.id === survivor.id)?.state).toBe('running');
    // The node comes back (a tmux node re-adopts its terminals): reachable again under the same id.
    links.revive('n2');
    expect((await doomed.execute('echo back')).stdout).toBe('back\n');
    const again = await client.listTerminals();
    expect(again.filter((t) => t.id === doomed.id)).toMatchObject([{ state: 'running' }]);
  });

  it('does not invent a node-lost exit for terminals that already exited or were killed', async () => {
    const links = new InProcessCluster([{ id: 'n1' }, { id: 'n2' }]);
    onTestFinished(() => links.close());
    const exits: { terminalId: string; exitCode: number | null; reason?: string }[] = [];
    const raw = await rawSession(links, (method, params) => {
      if (method === 'terminal.exit') exits.push(params as (typeof exits)[number]);
    });
    const spawn = () =>
      raw.request('terminal.spawn', { agentId: 'a', config: { placement: { node: 'n2' } } });
    const exiting = await spawn();
    const killed = await spawn();
    const running = await spawn();
    const unwatched = await spawn();
    await raw.request('terminal.subscribe', { terminalId: exiting.id });
    // Nobody streams this one: the router only sees the execute that ended its shell.
    const last = await raw.request('terminal.execute', { terminalId: unwatched.id, command: 'exit 4' });
    expect(last.shellExited).toBe(true);
    await raw
      .request('terminal.execute', { terminalId: exiting.id, command: 'exit 3' })
      .catch(() => undefined);
    await waitFor(() => exits.some((e) => e.terminalId === exiting.id), 'the real exit');
    await raw.request('terminal.kill', { terminalId: killed.id });
    exits.length = 0;
    links.kill('n2');
    await waitFor(() => exits.length > 0, 'the node-lost exit');
    await new Promise((r) => setTimeout(r, 300));
    // Only the terminal still running is concluded lost.
    expect(exits).toEqual([{ terminalId: running.id, exitCode: null, signal: null, reason: 'node-lost' }]);
    const { terminals } = await raw.request('terminal.list', {});
    expect(terminals.find((t) => t.id === exiting.id)).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(terminals.find((t) => t.id === exiting.id)?.exitReason).toBeUndefined();
    expect(terminals.find((t) => t.id === killed.id)?.exitReason).toBeUndefined();
    expect(terminals.find((t) => t.id === unwatched.id)).toMatchObject({ state: 'exited', exitCode: 4 });
    expect(terminals.find((t) => t.id === unwatched.id)?.exitReason).toBeUndefined();
    expect(terminals.find((t) => t.id === running.id)).toMatchObject({
      state: 'exited',
      exitReason: 'node-lost',
    });
  });

  it('leaves no abort signal alive per listing (fan-out)', async () => {
    const { client } = await cluster([{ id: 'n1' }, { id: 'n2' }]);
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
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }]);
    links.kill('n1');
    links.kill('n2');
    const spawn = await failure(client.spawnTerminal('nobody', scripted));
    expect(spawn.code).toBe(ErrorCode.Unavailable);
    expect(spawn.data.reason).toBe('no-node');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('delivers a cancelled execute to the node that runs it', async () => {
    const { links, client } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
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
    await waitFor(() => started, 'the sleep to start');
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
    const { links, client } = await cluster(specs);
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
    const { links } = await cluster([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
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
