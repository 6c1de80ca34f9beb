// `OrchflowClient.nats` against real `orchflow node` processes on a real nats-server: 60 spawns
// spread over three nodes by load, labels honoured; execute, streams, read, write and kill routed
// to the owning node; listings gathered from every node; a node killed with SIGKILL is reported
// lost within its TTL (a stream of a terminal there ends with reason 'node-lost', the listing
// shows it exited) and later spawns avoid it. Also: no node → connecting works and a spawn fails
// with Unavailable at once; a wrong orchflow token → Unauthorized; wrong NATS credentials → a
// clear Unauthorized naming the credentials.
import type { ChildProcess } from 'node:child_process';
import type { OutputEvent, RemoteTerminal } from '@orchflow/client';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cliForTest, tokensFileForTest, waitForStderr } from './cli-run';
import { failure, natsForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const owner = (id: string): string => id.slice(0, id.indexOf('_'));
const scripted = { mode: 'scripted' as const };

function startNode(args: string[]): ChildProcess {
  const child = cliForTest(['node', '--log-format', 'human', ...args]);
  return child;
}

async function client(url: string, token: string = TOKENS.admin): Promise<OrchflowClient> {
  const connected = await OrchflowClient.nats({ servers: url, token, checkIntervalMs: 100 });
  onTestFinished(() => connected.close());
  return connected;
}

describe('OrchflowClient.nats over orchflow node processes', { timeout: 240_000 }, () => {
  it('spreads, labels, routes and lists; a SIGKILLed node is reported lost within its TTL', async () => {
    const nats = await natsForTest();
    const ttl = 3_000;
    const base = [
      '--nats',
      nats.url,
      '--tokens',
      await tokensFileForTest([{ token: TOKENS.admin, principal: { kind: 'admin' } }]),
      '--node-ttl',
      String(ttl),
    ];
    const nodes = {
      n1: startNode([...base, '--policy', 'trusted', '--name', 'n1']),
      n2: startNode([...base, '--policy', 'trusted', '--name', 'n2']),
      n3: startNode([...base, '--policy', 'trusted', '--name', 'n3', '--labels', 'gpu=1']),
    };
    await Promise.all(Object.values(nodes).map((child) => waitForStderr(child, 'ready')));

    // A wrong orchflow token is refused at connect: the live nodes check it.
    expect(
      (await failure(OrchflowClient.nats({ servers: nats.url, token: 'wrong-token-0123456789' }))).code,
    ).toBe(ErrorCode.Unauthorized);

    const c = await client(nats.url);
    expect(c.capabilities.transports).toEqual(['nats']);
    expect(c.capabilities.features).toEqual(expect.arrayContaining(['cluster', 'subscriptions']));
    expect(c.principal).toEqual({ kind: 'admin' });

    // 60 spawns in waves of 10 concurrent ones: least loaded first, so each node gets 20 ± 2.
    const fleet: RemoteTerminal[] = [];
    for (let wave = 0; wave < 6; wave++) {
      const spawned = await Promise.all(
        Array.from({ length: 10 }, (_, i) => c.spawnTerminal(`fleet-${wave * 10 + i}`, scripted)),
      );
      fleet.push(...spawned);
    }
    const spread: Record<string, number> = {};
    for (const t of fleet) spread[owner(t.id)] = (spread[owner(t.id)] ?? 0) + 1;
    expect(Object.keys(spread).sort()).toEqual(['n1', 'n2', 'n3']);
    for (const count of Object.values(spread))
      expect(Math.abs(count - 20), JSON.stringify(spread)).toBeLessThanOrEqual(2);

    // Labels: only n3 has gpu=1; a label nobody has is Unavailable (no-match) at once.
    const gpu = await Promise.all(
      [1, 2, 3].map((i) => c.spawnTerminal(`gpu-${i}`, { ...scripted, placement: { labels: { gpu: '1' } } })),
    );
    expect(gpu.map((t) => owner(t.id))).toEqual(['n3', 'n3', 'n3']);
    const noMatch = await failure(c.spawnTerminal('tpu', { placement: { labels: { tpu: '1' } } }));
    expect(noMatch).toMatchObject({ code: ErrorCode.Unavailable, data: { reason: 'no-match' } });

    // Execute, live output, read, write and kill on an interactive terminal placed on each node.
    const io: Record<string, RemoteTerminal> = {};
    for (const node of ['n1', 'n2', 'n3'])
      io[node] = await c.spawnTerminal(`io-${node}`, { placement: { node } });
    const byNode = (node: string) => io[node] as RemoteTerminal;
    for (const node of ['n1', 'n2', 'n3']) {
      const t = byNode(node);
      expect(owner(t.id)).toBe(node);
      expect(await t.execute('echo "hi-$((40+2))"; (exit 3)')).toMatchObject({
        stdout: 'hi-42\n',
        exitCode: 3,
      });
      const progress: string[] = [];
      await t.execute('echo "progress-$((1+1))"', { onOutput: (chunk) => progress.push(chunk.data) });
      expect(progress.join('')).toContain('progress-2');
      const heard: string[] = [];
      const listening = await t.onOutput((chunk) => heard.push(chunk.data));
      await t.write('echo "typed-$((2+3))"\r');
      await until(() => heard.join('').includes('typed-5'), `output of written input on ${node}`);
      listening.dispose();
      expect((await t.read({ fromOffset: 0 })).data).toContain('typed-5');
    }
    const killed = byNode('n2');
    await killed.kill();
    expect(killed.info().state).toBe('exited');

    // The listing gathers every node.
    const listed = await c.listTerminals({ state: 'running' });
    expect(listed.unreachableNodes).toBeUndefined();
    expect(listed.map((t) => t.id).sort()).toEqual(
      [...fleet, ...gpu, ...Object.values(io)]
        .filter((t) => t !== killed)
        .map((t) => t.id)
        .sort(),
    );

    // A node that does not answer in time is named in the listing (SIGSTOP: live, but silent).
    const quick = await OrchflowClient.nats({ servers: nats.url, token: TOKENS.admin, fanOutTimeoutMs: 500 });
    onTestFinished(() => quick.close());
    nodes.n2.kill('SIGSTOP');
    const partial = await quick.listTerminals().finally(() => nodes.n2.kill('SIGCONT'));
    expect(partial.unreachableNodes).toEqual(['n2']);
    expect(partial.some((t) => owner(t.id) === 'n2')).toBe(false);
    expect(partial.some((t) => owner(t.id) === 'n3')).toBe(true);

    // SIGKILL n1 while a stream of one of its terminals is open.
    const victim = byNode('n1');
    const events: OutputEvent[] = [];
    const exits: unknown[] = [];
    await victim.onExit((exit) => exits.push(exit));
    const streaming = (async () => {
      for await (const event of victim.stream()) events.push(event);
    })();
    await victim.execute('echo "before-$((1+1))-kill"');
    const text = () => events.map((e) => (e.type === 'data' ? e.data : '')).join('');
    await until(() => text().includes('before-2-kill'), 'the stream to carry live output');
    const killedAt = Date.now();
    nodes.n1.kill('SIGKILL');
    await streaming;
    const endedAfter = Date.now() - killedAt;
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'node-lost' });
    // Within the TTL of the last heartbeat (sent at most ttl/3 before the kill), plus the check tick.
    expect(endedAfter).toBeLessThan(ttl + 1_500);
    expect(exits).toEqual([{ exitCode: null, signal: null, reason: 'node-lost' }]);
    expect(victim.info()).toMatchObject({ state: 'exited', exitReason: 'node-lost' });
    const after = await c.listTerminals();
    expect(after.find((t) => t.id === victim.id)).toMatchObject({ state: 'exited', exitReason: 'node-lost' });
    const lost = after.filter((t) => owner(t.id) === 'n1');
    expect(lost).toHaveLength((spread.n1 ?? -1) + 1);
    expect(lost.every((t) => t.state === 'exited' && t.exitReason === 'node-lost')).toBe(true);
    expect((await failure(victim.execute('true'))).code).toBe(ErrorCode.Unavailable);
    // New spawns avoid the lost node.
    const later = await Promise.all(
      Array.from({ length: 6 }, (_, i) => c.spawnTerminal(`later-${i}`, scripted)),
    );
    expect(later.map((t) => owner(t.id)).filter((n) => n === 'n1')).toEqual([]);
    expect((await later[0]?.execute('echo still-here'))?.stdout).toBe('still-here\n');
  });

  it('connects to a cluster with no node, and its spawns fail with Unavailable at once', async () => {
    const nats = await natsForTest();
    const c = await client(nats.url);
    expect(c.capabilities.features).toContain('cluster');
    const started = performance.now();
    const refused = await failure(c.spawnTerminal('nobody'));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(refused).toMatchObject({ code: ErrorCode.Unavailable, data: { reason: 'no-node' } });
  });

  it('refuses wrong NATS credentials with a clear Unauthorized, and bad options with InvalidParams', async () => {
    const nats = await natsForTest({ token: 'right-nats-token' });
    for (const auth of [{ token: 'wrong' }, undefined]) {
      const error = await failure(
        OrchflowClient.nats({ servers: nats.url, nats: auth, token: TOKENS.admin }),
      );
      expect(error.code).toBe(ErrorCode.Unauthorized);
      expect(error.message).toMatch(/refused the credentials/);
      // A library caller is told about its own options, not only the CLI's flags.
      expect(error.message).toMatch(/'nats' option's token, user and pass/);
      expect(error.data.reason).toBe('nats-auth');
    }
    const bad = await failure(OrchflowClient.nats({ token: TOKENS.admin }));
    expect(bad.code).toBe(ErrorCode.InvalidParams);
    expect(bad.message).toMatch(/servers/);
    const badNats = await failure(OrchflowClient.nats({ servers: nats.url, nats: { pass: 'x' } }));
    expect(badNats.code).toBe(ErrorCode.InvalidParams);
    // The right credentials work.
    const c = await OrchflowClient.nats({ servers: nats.url, nats: { token: 'right-nats-token' } });
    await c.close();
  });
});
