// Flow control from a node to a slow reader, on a real nats-server. On the wire: a sender with a
// window stops after that many unacknowledged bytes and goes on, in order, as the reader takes
// messages. Through the cluster router: a reader that stops reading holds a bounded backlog in
// the router, the node pauses the terminal and, once the stall limit passes, demotes the
// subscription to lossy delivery — the reader then gets a `terminal.gap` notice, as a stuck
// WebSocket client of a single server does — instead of the router buffering without bound.
import {
  ClusterChannel,
  ClusterDirectory,
  connectNats,
  loadNats,
  NatsClusterLinks,
  NatsSessionChannel,
} from '@orchflow/client/node';
import { type JsonRpcMessage, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const KiB = 1024;

describe('NatsSessionChannel flow window', () => {
  it('holds sends past the window until the reader takes messages, then delivers all in order', async () => {
    const server = await natsForTest();
    const nats = await loadNats();
    const [ncA, ncB] = await Promise.all([
      connectNats({ servers: server.url }),
      connectNats({ servers: server.url }),
    ]);
    onTestFinished(async () => {
      await ncA.close();
      await ncB.close();
    });
    const common = { nats, maxPayload: ncA.info?.max_payload ?? 1024 * KiB, ttlMs: 60_000, peerName: 'peer' };
    const sender = new NatsSessionChannel({
      ...common,
      nc: ncA,
      peerSubject: 'flow.b',
      sendWindowBytes: 256 * KiB,
    });
    const reader = new NatsSessionChannel({
      ...common,
      nc: ncB,
      peerSubject: 'flow.a',
      ackEveryBytes: 64 * KiB,
    });
    ncA.subscribe('flow.a', { callback: (_e, msg) => sender.handle(msg) });
    ncB.subscribe('flow.b', { callback: (_e, msg) => reader.handle(msg) });
    await Promise.all([ncA.flush(), ncB.flush()]);

    const count = 40;
    let sent = 0;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const message = {
        jsonrpc: '2.0',
        method: 'test.part',
        params: { i, text: `${i}`.padEnd(32 * KiB, '.') },
      };
      sends.push(sender.send(message as JsonRpcMessage).then(() => void sent++));
    }
    // Every message that could go has reached the reader's side (and no acknowledgement can
    // come back: nothing was read), so what went is exactly what the window allowed.
    for (let round = 0; round < 3; round++) {
      await ncA.flush();
      await ncB.flush();
    }
    expect(sent).toBeGreaterThanOrEqual(8);
    expect(sent).toBeLessThanOrEqual(9);
    expect(sender.unacknowledgedBytes).toBeLessThanOrEqual(256 * KiB + 33 * KiB);

    for (let i = 0; i < count; i++) {
      const message = (await reader.receive()) as unknown as { params: { i: number } };
      expect(message.params.i).toBe(i);
    }
    await Promise.all(sends);
    expect(sent).toBe(count);
    await sender.close();
  }, 30_000);
});

describe('cluster router flow control', () => {
  it('bounds what a reader that stops reading holds, and gives it a gap notice when it reads again', async () => {
    const server = await natsForTest();
    await nodeForTest(server.url, { nodeId: 'fc1' });
    const nc = await ncForTest(server.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    await until(() => directory.nodes().length === 1, 'the node announced');
    const links = new NatsClusterLinks(nc, directory, {
      token: TOKENS.admin,
      flowWindowBytes: 256 * KiB,
      reconnect: false,
    });
    const backlogBytes = 256 * KiB;
    const router = new ClusterChannel(links, { backlogBytes });
    onTestFinished(() => router.close());

    // A raw reader: requests out, and it reads only when the test says so.
    let nextId = 0;
    const call = async (method: string, params: unknown): Promise<Record<string, unknown>> => {
      const id = ++nextId;
      await router.send({ jsonrpc: '2.0', id, method, params } as JsonRpcMessage);
      for (;;) {
        const message = (await router.receive()) as { id?: number; result?: unknown; error?: unknown };
        if (message.id !== id) continue;
        if (message.error) throw new Error(JSON.stringify(message.error));
        return message.result as Record<string, unknown>;
      }
    };
    await call('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'slow-reader' } });
    const { id: terminalId } = (await call('terminal.spawn', { agentId: 'flood' })) as { id: string };
    await call('terminal.subscribe', { terminalId });
    // About 60 MiB of output, far more than the window and backlog together.
    await router.send({
      jsonrpc: '2.0',
      id: ++nextId,
      method: 'terminal.write',
      params: { terminalId, data: 'head -c 45000000 /dev/urandom | base64; echo flood-$((6*7))\n' },
    } as JsonRpcMessage);

    // Not reading: the router stops at its mark (plus what one read of a node brings).
    const deadline = Date.now() + 4_000;
    let most = 0;
    while (Date.now() < deadline) {
      most = Math.max(most, router.pendingOutputBytes);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(backlogBytes + 1024 * KiB);

    // Reading again: the node had demoted the stuck subscription (2 s stall limit), so bytes
    // were skipped and a gap notice says which; the stream then runs to the end.
    let gap = false;
    let tail = '';
    await until(
      async () => {
        const message = (await router.receive()) as { method?: string; params?: { data?: string } };
        if (message.method === 'terminal.gap') gap = true;
        if (message.method === 'terminal.output') tail = (tail + (message.params?.data ?? '')).slice(-4096);
        return tail.includes('flood-42');
      },
      'the end of the flood',
      60_000,
    );
    expect(gap).toBe(true);
  }, 90_000);
});
