// Flow control from a node to a slow reader, on a real nats-server. On the wire: a sender with a
// window stops after that many unacknowledged bytes and goes on, in order, as the reader takes
// messages. Through the cluster router: a reader that stops reading holds a bounded backlog in
// the router, the node pauses the terminal and, once the stall limit passes, demotes the
// subscription to lossy delivery — the reader then gets a `terminal.gap` notice, as a stuck
// WebSocket client of a single server does — instead of the router buffering without bound. A
// reader that never acknowledges ends its session once too many messages, or too many bytes, wait.
import {
  ClusterChannel,
  ClusterDirectory,
  connectNats,
  loadNats,
  NatsClusterLinks,
  NatsSessionChannel,
} from '@orchflow/client/internal';
import { type JsonRpcMessage, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const KiB = 1024;

/** A sender with a window and a reader that acknowledges, on a real nats-server. */
async function windowPair(windowBytes: number, ttlMs = 60_000) {
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
  const common = { nats, maxPayload: ncA.info?.max_payload ?? 1024 * KiB, ttlMs, peerName: 'peer' };
  const sender = new NatsSessionChannel({
    ...common,
    nc: ncA,
    peerSubject: 'flow.b',
    sendWindowBytes: windowBytes,
  });
  const reader = new NatsSessionChannel({
    ...common,
    nc: ncB,
    peerSubject: 'flow.a',
    ackEveryBytes: Math.floor(windowBytes / 4),
  });
  ncA.subscribe('flow.a', { callback: (_e, msg) => sender.handle(msg) });
  ncB.subscribe('flow.b', { callback: (_e, msg) => reader.handle(msg) });
  await Promise.all([ncA.flush(), ncB.flush()]);
  const settle = async () => {
    for (let round = 0; round < 3; round++) {
      await ncA.flush();
      await ncB.flush();
    }
  };
  return { sender, reader, settle };
}

const part = (i: number, bytes: number) =>
  ({ jsonrpc: '2.0', method: 'test.part', params: { i, text: `${i}`.padEnd(bytes, '.') } }) as JsonRpcMessage;

describe('NatsSessionChannel flow window', () => {
  it('holds sends past the window until the reader takes messages, then delivers all in order', async () => {
    const { sender, reader, settle } = await windowPair(256 * KiB);
    const count = 40;
    let sent = 0;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) sends.push(sender.send(part(i, 32 * KiB)).then(() => void sent++));
    // Every message that could go has reached the reader's side (and no acknowledgement can
    // come back: nothing was read), so what went is exactly what the window allowed.
    await settle();
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

  it('ends the session when a reader that never acknowledges lets too many messages queue', async () => {
    const { sender, reader } = await windowPair(64 * KiB);
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 1200; i++) outcomes.push(sender.send(part(i, 1024)).catch((error: unknown) => error));
    const failed = (await Promise.all(outcomes)).filter((o) => o instanceof Error) as Error[];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.name === 'ChannelClosedError')).toBe(true);
    expect(failed.some((e) => /stopped acknowledging/.test(e.message))).toBe(true);
    expect(sender.closed).toBe(true);
    // The reader hears why, after the messages that did arrive.
    let ended: unknown;
    for (;;) {
      try {
        await reader.receive();
      } catch (error) {
        ended = error;
        break;
      }
    }
    expect(String(ended)).toMatch(/peer stopped acknowledging/);
  }, 30_000);

  it('ends the session when more than 16 MiB would wait for a reader that never acknowledges', async () => {
    const { sender } = await windowPair(64 * KiB);
    // Large answers to requests in flight: far fewer than MAX_WAITING_SENDS, yet 24 MiB.
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i++)
      outcomes.push(sender.send(part(i, 1024 * KiB)).catch((error: unknown) => error));
    const failed = (await Promise.all(outcomes)).filter((o) => o instanceof Error) as Error[];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.name === 'ChannelClosedError')).toBe(true);
    expect(failed.some((e) => /more than 16777216 bytes wait/.test(e.message))).toBe(true);
    expect(sender.closed).toBe(true);
  }, 30_000);

  it('ends the session when the reader acknowledges nothing for the session TTL while sends wait', async () => {
    const { sender } = await windowPair(64 * KiB, 600);
    const waiting: Promise<unknown>[] = [];
    for (let i = 0; i < 70; i++) waiting.push(sender.send(part(i, 1024)).catch((error: unknown) => error));
    const last = await waiting[waiting.length - 1];
    expect(String(last)).toMatch(/acknowledged nothing for 600 ms/);
    expect(sender.closed).toBe(true);
  }, 30_000);
});

describe('cluster router flow control', () => {
  it('bounds what a reader that stops reading holds, and gives it a gap notice when it reads again', async () => {
    const server = await natsForTest();
    const { orch } = await nodeForTest(server.url, { nodeId: 'fc1' });
    const nc = await ncForTest(server.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    await until(() => directory.nodes().length === 1, 'the node announced');
    // The links a gateway and OrchflowClient.nats use: sessions that reconnect (ReconnectingChannel).
    const links = new NatsClusterLinks(nc, directory, { token: TOKENS.admin, flowWindowBytes: 256 * KiB });
    const backlogBytes = 256 * KiB;
    // A short fan-out deadline: a listing stuck behind the backlog would miss it.
    const router = new ClusterChannel(links, { backlogBytes, fanOutTimeoutMs: 3_000 });
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

    // Not reading. First the node pauses the terminal (the window is full); past its stall limit
    // it lets the terminal go and delivers lossily, so the terminal writes far more than the
    // reader was given — all the while the router holds no more than its mark (plus what one read
    // of a node brings, and the few messages a reconnecting session reads ahead).
    const written = () => orch.getTerminal(terminalId).read({ maxBytes: 1 }).endOffset;
    let most = 0;
    await until(
      () => {
        most = Math.max(most, router.pendingOutputBytes);
        return written() > 16 * 1024 * KiB;
      },
      'the terminal let go of its stuck reader',
      60_000,
    );
    most = Math.max(most, router.pendingOutputBytes);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(backlogBytes + 2048 * KiB);

    // A listing while the router is held back: the node's answer is read past the backlog (a
    // deadline waits for it), so the node does not look unreachable.
    const listId = ++nextId;
    await router.send({ jsonrpc: '2.0', id: listId, method: 'terminal.list', params: {} } as JsonRpcMessage);
    // Still not reading, past the listing's deadline: only an answer read past the backlog is in time.
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    // Reading again: bytes were skipped and a gap notice says which; the stream runs to the end.
    let gap = false;
    let tail = '';
    let listing: { terminals?: { id: string }[]; unreachableNodes?: string[] } | undefined;
    while (!tail.includes('flood-42') || !listing) {
      const message = (await router.receive()) as {
        id?: number;
        result?: typeof listing;
        method?: string;
        params?: { data?: string };
      };
      if (message.id === listId) listing = message.result;
      if (message.method === 'terminal.gap') gap = true;
      if (message.method === 'terminal.output') tail = (tail + (message.params?.data ?? '')).slice(-4096);
    }
    expect(gap).toBe(true);
    expect(listing?.terminals?.map((t) => t.id)).toContain(terminalId);
    expect(listing?.unreachableNodes ?? []).toEqual([]);
  }, 120_000);
});
