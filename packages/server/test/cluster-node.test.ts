// A ClusterNode on a real nats-server: announcement and heartbeat in the KV bucket, discovery
// (orchflow and NATS micro), sessions with token auth, execute and streaming, chunked 3 MiB
// messages, no node → Unavailable at once, two clusters on one server, session TTL, graceful stop.
import {
  ClusterDirectory,
  connectNats,
  connectNatsNode,
  type NodeAnnouncement,
  parseAnnouncement,
} from '@orchflow/client/internal';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { natsForTest, ncForTest, nodeClientForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

describe('ClusterNode: announcement and discovery', () => {
  it('announces itself, heartbeats, answers discover and $SRV.PING/INFO', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    const seen: NodeAnnouncement[] = [];
    directory.on('node-up', (a) => seen.push(a));
    directory.on('node-updated', (a) => seen.push(a));
    await nodeForTest(nats.url, { nodeId: 'n1', ttlMs: 900, labels: { gpu: 'yes' }, capacity: 7 });
    await until(() => seen.length >= 3, 'two heartbeats after the first put');
    expect(seen[0]).toMatchObject({ id: 'n1', labels: { gpu: 'yes' }, capacity: 7, load: 0, ttlMs: 900 });
    expect((seen.at(-1) as NodeAnnouncement).heartbeatAt).toBeGreaterThan(
      (seen[0] as NodeAnnouncement).heartbeatAt,
    );
    expect(directory.nodes().map((n) => n.id)).toEqual(['n1']);

    const reply = await nc.request('orchflow.orchflow.discover', '', { timeout: 5_000 });
    expect(parseAnnouncement(reply.data)?.id).toBe('n1');
    const ping = (await nc.request('$SRV.PING.orchflow', '', { timeout: 5_000 })).json<
      Record<string, unknown>
    >();
    expect(ping).toMatchObject({ type: 'io.nats.micro.v1.ping_response', name: 'orchflow', id: 'n1' });
    const info = (await nc.request('$SRV.INFO.orchflow.n1', '', { timeout: 5_000 })).json<
      Record<string, unknown>
    >();
    expect(info).toMatchObject({ type: 'io.nats.micro.v1.info_response', metadata: { cluster: 'orchflow' } });
    directory.close();
  });

  it('reports its load after spawns and deletes its key on a graceful stop', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    const { node } = await nodeForTest(nats.url, { nodeId: 'n2' });
    const client = await nodeClientForTest(nats.url, 'n2', TOKENS.admin);
    await client.spawnTerminal('a');
    await client.spawnTerminal('b');
    await until(() => directory.get('n2')?.load === 2, 'load 2 announced');
    const lost = new Promise((resolve) => directory.on('node-lost', resolve));
    await node.stop();
    expect(await lost).toMatchObject({ id: 'n2', reason: 'deleted' });
    // The session was closed by the node with Orchflow-Close.
    await until(() => client.isClosed, 'client session closed by the stopping node');
    directory.close();
  });
});

describe('ClusterNode: sessions', () => {
  it('spawns, executes, streams output, and carries a 3 MiB message in chunks', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
    expect(client.capabilities.transports).toEqual(['nats']);
    const terminal = await client.spawnTerminal('agent');
    expect(terminal.id.startsWith('n1_')).toBe(true);
    const result = await terminal.execute('echo hi');
    expect(result).toMatchObject({ stdout: 'hi\n', exitCode: 0 });

    let streamed = '';
    const stop = await terminal.onOutput((chunk) => {
      streamed += typeof chunk.data === 'string' ? chunk.data : Buffer.from(chunk.data).toString();
    });
    await terminal.execute('echo streamed-$((6*7))');
    await until(() => streamed.includes('streamed-42'), 'streamed output');
    stop.dispose();

    const size = 3 * 1024 * 1024;
    const big = await terminal.execute(`head -c ${size} /dev/zero | tr '\\0' x; echo`, {
      maxOutputBytes: 8 * 1024 * 1024,
      timeoutMs: 60_000,
    });
    expect(big.stdout.length).toBe(size + 1);
    expect(/^x+\n$/.test(big.stdout)).toBe(true);
  }, 90_000);

  it('fails only the request whose answer is too large for one message, and keeps the session', async () => {
    const nats = await natsForTest();
    const maxMessageBytes = 256 * 1024;
    await nodeForTest(nats.url, { nodeId: 'n1', maxMessageBytes });
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin, { maxMessageBytes });
    const terminal = await client.spawnTerminal('agent');
    const error = await terminal
      .execute(`head -c ${512 * 1024} /dev/zero | tr '\\0' x`, { maxOutputBytes: 1024 * 1024 })
      .catch((e: unknown) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PayloadTooLarge);
    expect((error as Error).message).toMatch(/more than the 262144 one message/);
    expect(client.isClosed).toBe(false);
    expect((await terminal.execute('echo still-here')).stdout).toBe('still-here\n');
  });

  it('refuses a bad orchflow token with Unauthorized', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const error = await nodeClientForTest(nats.url, 'n1', 'wrong-token-0123456789').catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Unauthorized);
  });

  it('fails at once with Unavailable when no node answers', async () => {
    const nats = await natsForTest();
    const started = Date.now();
    const error = await nodeClientForTest(nats.url, 'ghost').catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Unavailable);
    expect(error.data).toEqual({ reason: 'no-node', nodeId: 'ghost' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('keeps two clusters on one nats-server apart', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'a1', cluster: 'alpha' });
    await nodeForTest(nats.url, { nodeId: 'b1', cluster: 'beta' });
    const nc = await ncForTest(nats.url);
    const alpha = await ClusterDirectory.open(nc, { cluster: 'alpha' });
    const beta = await ClusterDirectory.open(nc, { cluster: 'beta' });
    expect(alpha.nodes().map((n) => n.id)).toEqual(['a1']);
    expect(beta.nodes().map((n) => n.id)).toEqual(['b1']);
    const error = await connectNatsNode({
      connection: nc,
      cluster: 'alpha',
      node: 'b1',
      reconnect: false,
    }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Unavailable);
    const ok = await connectNatsNode({
      connection: nc,
      cluster: 'beta',
      node: 'b1',
      token: TOKENS.admin,
      reconnect: false,
    });
    expect((await ok.spawnTerminal('x')).id.startsWith('b1_')).toBe(true);
    await ok.close();
    alpha.close();
    beta.close();
  });

  it('treats a vanished client like a dropped WebSocket: TTL, then the grace period, then kill', async () => {
    const nats = await natsForTest();
    const { node, orch } = await nodeForTest(nats.url, {
      nodeId: 'n1',
      sessionTtlMs: 600,
      reconnectGraceMs: 1_500,
    });
    const own = await connectNats({ servers: nats.url });
    const client = await connectNatsNode({
      connection: own,
      node: 'n1',
      token: TOKENS.admin,
      reconnect: false,
    });
    const terminal = await client.spawnTerminal('vanishing');
    // The client's NATS connection goes away without a word (no Orchflow-Close, no $/shutdown).
    await own.close();
    await until(() => node.sessionCount === 0, 'session expired by TTL');
    const live = () => orch.listTerminals().some((t) => t.id === terminal.id && t.state !== 'exited');
    expect(live()).toBe(true);
    await until(() => !live(), 'orphan killed after the grace period');
  });

  it('closes a session that stays silent for the session TTL', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', sessionTtlMs: 600 });
    const nc = await ncForTest(nats.url);
    // A raw client: opens a session and then sends nothing, not even keepalives.
    const inbox = `_INBOX.silent${Date.now()}`;
    const closes: string[] = [];
    nc.subscribe(inbox, {
      callback: (_e, msg) => {
        const reason = msg.headers?.get('Orchflow-Close');
        if (reason) closes.push(reason);
      },
    });
    const reply = await nc.request(
      'orchflow.orchflow.node.n1.connect',
      JSON.stringify({ token: TOKENS.admin, inbox }),
      { timeout: 5_000 },
    );
    expect(reply.json<{ sessionTtlMs: number }>().sessionTtlMs).toBe(600);
    await until(() => node.sessionCount === 1, 'session open');
    await until(() => closes.includes('session expired'), 'the node closing the silent session');
    await until(() => node.sessionCount === 0, 'session gone');
  });
});
