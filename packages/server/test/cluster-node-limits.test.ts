// What any token — a viewer's included — may make a node hold: sessions (a node-wide cap and a
// per-token share, refused at open with Overloaded; a session that never initializes is closed
// soon), and bytes of split messages still arriving (a node-wide budget and a per-token share,
// past which the session sending the part is closed; a message whose parts stop is dropped).
// Raw NATS clients stand for an attacker: they open sessions and publish parts by hand.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNatsNode, loadNats, openNodeSession } from '@orchflow/client/node';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const KIB = 1024;
const MIB = 1024 * KIB;

interface RawSession {
  /** The node's reply to the open request. */
  reply: { session?: string; error?: { code: number; message: string; data?: Record<string, unknown> } };
  /** Orchflow-Close reasons the node sent to the inbox. */
  closes: string[];
  /** Publishes an `Orchflow-Chunk: seq/index/count` part of `bytes` bytes. */
  part(seq: number, index: number, count: number, bytes: number): void;
  keepalive(): void;
  /** Sends Orchflow-Close, as a client's clean end does. */
  close(): void;
}

/** Asks node `n1` for a session with `token`, as an attacker's bare client would. */
async function rawSession(nc: NatsConnection, token: string): Promise<RawSession> {
  const nats = await loadNats();
  const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
  const closes: string[] = [];
  const sub = nc.subscribe(inbox, {
    callback: (_e, msg) => {
      const reason = msg.headers?.get('Orchflow-Close');
      if (reason) closes.push(reason);
    },
  });
  onTestFinished(() => sub.unsubscribe());
  const answer = await nc.request('orchflow.orchflow.node.n1.connect', JSON.stringify({ token, inbox }), {
    timeout: 5_000,
  });
  const reply = answer.json<RawSession['reply']>();
  const subject = `orchflow.orchflow.node.n1.s.${reply.session}`;
  const send = (name: string, value: string, data?: Uint8Array): void => {
    const headers = nats.headers();
    headers.set(name, value);
    nc.publish(subject, data, { headers });
  };
  return {
    reply,
    closes,
    part: (seq, index, count, bytes) =>
      send('Orchflow-Chunk', `${seq}/${index}/${count}`, new Uint8Array(bytes).fill(120)),
    keepalive: () => send('Orchflow-Keepalive', '1'),
    close: () => send('Orchflow-Close', 'closed'),
  };
}

/** Opens `count` raw sessions with `token`, all at once. */
function rawSessions(nc: NatsConnection, token: string, count: number): Promise<RawSession[]> {
  return Promise.all(Array.from({ length: count }, () => rawSession(nc, token)));
}

describe('cluster node: sessions are bounded', { timeout: 60_000 }, () => {
  it('with the defaults, a viewer flooding session requests gets its share and the others still get in', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1' });
    const nc = await ncForTest(nats.url);
    // The review's attack in small: bare session requests that never initialize.
    const flood = await rawSessions(nc, TOKENS.viewer, 600);
    const opened = flood.filter((s) => s.reply.session !== undefined);
    const refused = flood.filter((s) => s.reply.error !== undefined);
    // 512 sessions per node by default, half of them per token (the test node has four tokens).
    expect(opened).toHaveLength(256);
    expect(refused).toHaveLength(344);
    expect(refused[0]?.reply.error).toMatchObject({
      code: ErrorCode.Overloaded,
      data: { reason: 'max-sessions-per-token', limit: 256, nodeId: 'n1' },
    });
    expect(refused[0]?.reply.error?.message).toMatch(/--max-sessions/);
    expect(node.sessionCount).toBe(256);
    // Another token is not locked out: a real client opens, initializes and works.
    const client = await connectNatsNode({
      servers: nats.url,
      node: 'n1',
      token: TOKENS.admin,
      reconnect: false,
    });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('agent');
    expect((await terminal.execute('echo in')).stdout).toBe('in\n');
  });

  it('refuses past the node-wide cap and the per-token share, and admits again once sessions close', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', maxSessions: 4 });
    const nc = await ncForTest(nats.url);
    const viewer = await rawSessions(nc, TOKENS.viewer, 3);
    expect(viewer.filter((s) => s.reply.session).length).toBe(2);
    const share = viewer.find((s) => s.reply.error)?.reply.error;
    expect(share).toMatchObject({
      code: ErrorCode.Overloaded,
      data: { reason: 'max-sessions-per-token', limit: 2 },
    });
    expect(share?.message).toContain("This token holds 2 sessions on node 'n1', its share of the node's 4");
    const alice = await rawSessions(nc, TOKENS.alice, 2);
    expect(alice.every((s) => s.reply.session)).toBe(true);
    expect(node.sessionCount).toBe(4);
    const full = (await rawSession(nc, TOKENS.admin)).reply.error;
    expect(full).toMatchObject({
      code: ErrorCode.Overloaded,
      data: { reason: 'max-sessions', limit: 4, nodeId: 'n1' },
    });
    expect(full?.message).toContain("Node 'n1' holds its limit of 4 sessions (orchflow node --max-sessions)");
    // A real client is told the same at connect.
    const error = await connectNatsNode({
      servers: nats.url,
      node: 'n1',
      token: TOKENS.admin,
      reconnect: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.Overloaded });
    // A closed session frees its slot (and its token's).
    viewer.find((s) => s.reply.session)?.close();
    await until(() => node.sessionCount === 3, 'the closed session gone');
    expect((await rawSession(nc, TOKENS.admin)).reply.session).toBeDefined();
  });

  it('closes a session that does not initialize in time, and keeps one that did', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', initializeTimeoutMs: 400 });
    const nc = await ncForTest(nats.url);
    const client = await connectNatsNode({
      servers: nats.url,
      node: 'n1',
      token: TOKENS.viewer,
      reconnect: false,
    });
    onTestFinished(() => client.close());
    const bare = await rawSession(nc, TOKENS.viewer);
    bare.keepalive();
    expect(node.sessionCount).toBe(2);
    await until(() => bare.closes.includes('not initialized within 400 ms'), 'the bare session closed');
    await until(() => node.sessionCount === 1, 'its slot freed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.isClosed).toBe(false);
    expect(await client.listTerminals()).toEqual([]);
  });
});

describe('cluster node: split messages still arriving are bounded', { timeout: 60_000 }, () => {
  it('closes the session whose part would pass the node-wide budget, and frees what closed sessions held', async () => {
    const nats = await natsForTest();
    // 2 MiB for all, and (four tokens) half each — here the 1 MiB of the largest message.
    const { node } = await nodeForTest(nats.url, {
      nodeId: 'n1',
      maxMessageBytes: MIB,
      reassemblyBudgetBytes: 2 * MIB,
    });
    const nc = await ncForTest(nats.url);
    const viewer = await rawSession(nc, TOKENS.viewer);
    const alice = await rawSession(nc, TOKENS.alice);
    const bob = await rawSession(nc, TOKENS.bob);
    // Nine of ten 100 KiB parts each: 1800 KiB held.
    for (let i = 0; i < 9; i++) {
      viewer.part(1, i, 10, 100 * KIB);
      alice.part(1, i, 10, 100 * KIB);
    }
    await until(() => node.reassemblyBytes === 1800 * KIB, 'the parts held');
    for (let i = 0; i < 3; i++) bob.part(1, i, 10, 100 * KIB);
    await until(() => bob.closes.length > 0, "bob's session closed");
    expect(bob.closes[0]).toContain("Node 'n1' holds its limit of 2 MiB in large messages still arriving");
    await until(() => node.sessionCount === 2, "bob's session gone");
    expect(node.reassemblyBytes).toBe(1800 * KIB);
    // The viewer's own share: a second session of its token cannot add to it.
    const viewer2 = await rawSession(nc, TOKENS.viewer);
    viewer2.part(1, 0, 10, 200 * KIB);
    await until(() => viewer2.closes.length > 0, "the viewer's second session closed");
    expect(viewer2.closes[0]).toContain(
      "This token's sessions on node 'n1' hold 1 MiB in large messages still arriving",
    );
    // Closed sessions give their bytes back; a large message then goes through.
    viewer.close();
    alice.close();
    await until(() => node.reassemblyBytes === 0, 'the budget given back');
    const channel = await openNodeSession(nc, { node: 'n1', token: TOKENS.admin });
    onTestFinished(() => channel.close());
    // Just over what one NATS message carries (1 MiB less 4 KiB of headroom): it goes in two parts.
    await channel.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'no.such.method',
      params: { pad: 'x'.repeat(1021 * KIB) },
    });
    const answer = (await channel.receive()) as { id?: number; error?: { code: number } };
    expect(answer).toMatchObject({ id: 1, error: {} });
    expect(node.reassemblyBytes).toBe(0);
  });

  it('with the defaults, sessions of one token hold at most its share', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1' });
    const nc = await ncForTest(nats.url);
    // The review's attack in small: sessions each sending 15 of 16 parts of a 16 MiB message.
    const sessions = await rawSessions(nc, TOKENS.viewer, 4);
    let most = 0;
    for (let i = 0; i < 15; i++) {
      for (const s of sessions) s.part(1, i, 16, MIB - 8 * KIB);
      await nc.flush();
      most = Math.max(most, node.reassemblyBytes);
    }
    await until(
      () => sessions.filter((s) => s.closes.length > 0).length >= 2,
      'sessions past the share closed',
    );
    most = Math.max(most, node.reassemblyBytes);
    // 64 MiB for the node, 32 MiB for one token of several.
    expect(most).toBeLessThanOrEqual(32 * MIB);
    expect(node.reassemblyBytes).toBeLessThanOrEqual(32 * MIB);
    expect(sessions.flatMap((s) => s.closes)[0]).toContain("its share of the node's 64 MiB");
  });

  it('drops a split message whose parts stop coming, though keepalives do', async () => {
    const nats = await natsForTest();
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', partTimeoutMs: 400, sessionTtlMs: 1_200 });
    const nc = await ncForTest(nats.url);
    const raw = await rawSession(nc, TOKENS.viewer);
    raw.part(1, 0, 2, 50 * KIB);
    await until(() => node.reassemblyBytes === 50 * KIB, 'the part held');
    const keepalives = setInterval(() => raw.keepalive(), 100);
    onTestFinished(() => clearInterval(keepalives));
    await until(() => raw.closes.length > 0, 'the session closed');
    expect(raw.closes[0]).toBe('split message incomplete for 400 ms');
    expect(node.reassemblyBytes).toBe(0);
    await until(() => node.sessionCount === 0, 'the session gone');
  });
});
