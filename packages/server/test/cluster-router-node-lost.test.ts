// The cluster router when a node is lost: its in-flight requests fail with Unavailable, its
// subscribers get `terminal.exit` with `reason: 'node-lost'`, listings show its terminals as lost
// until it is back, and terminals that had already exited or were killed keep their real exit.
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

describe('cluster router: a lost node', { timeout: 120_000 }, () => {
  it('fails in-flight requests of a lost node, tells subscribers, lists its terminals as lost', async () => {
    const { links, client } = await clusterForTest([{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }]);
    const doomed = await client.spawnTerminal('doomed', { placement: { node: 'n2' } });
    const survivor = await client.spawnTerminal('survivor', { placement: { node: 'n1' } });
    // A raw session sees the exit notification as sent.
    const exits: unknown[] = [];
    const raw = await rawClusterSession(links, (method, params) => {
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
    await until(() => started, 'the sleep to start');
    const lostAt = Date.now();
    links.kill('n2');
    const error = await failure(inFlight);
    expect(Date.now() - lostAt).toBeLessThan(5_000);
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.data).toMatchObject({ reason: 'node-lost', nodeId: 'n2' });
    await until(() => exits.length > 0, 'terminal.exit');
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
      expect(ownerNode((await client.spawnTerminal('after', scripted)).id)).not.toBe('n2');
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
    const raw = await rawClusterSession(links, (method, params) => {
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
    await until(() => exits.some((e) => e.terminalId === exiting.id), 'the real exit');
    await raw.request('terminal.kill', { terminalId: killed.id });
    exits.length = 0;
    links.kill('n2');
    await until(() => exits.length > 0, 'the node-lost exit');
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
});
