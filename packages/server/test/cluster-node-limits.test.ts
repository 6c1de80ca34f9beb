// What any token — a viewer's included — may make a node hold: sessions (a node-wide cap and a
// per-token share, refused at open with Overloaded; a session that never initializes is closed
// soon), and bytes of large messages (a node-wide budget and a per-token share, past which the
// message is refused — its requests answered Overloaded — and its session goes on; a message
// whose parts stop is dropped with its session). Raw NATS clients stand for an attacker: they
// open sessions and publish parts by hand.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadNats, openNodeSession } from '@orchflow/client/internal';
import { ErrorCode, isOrchflowError, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeClientForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const KIB = 1024;
const MIB = 1024 * KIB;

interface RawSession {
  /** The node's reply to the open request. */
  reply: { session?: string; error?: { code: number; message: string; data?: Record<string, unknown> } };
  /** Orchflow-Close reasons the node sent to the inbox. */
  closes: string[];
  /** JSON-RPC messages (answers) the node sent whole to the inbox. */
  answers: { id?: unknown; error?: { code: number; message: string; data?: Record<string, unknown> } }[];
  /** Publishes an `Orchflow-Chunk: seq/index/count` part of `bytes` bytes. */
  part(seq: number, index: number, count: number, bytes: number): void;
  /**
   * Publishes parts `from` to `to` (excluded) of a JSON-RPC request `id` of `count` parts of
   * `bytes` bytes each (message number `seq`).
   */
  request(seq: number, id: number, count: number, bytes: number, from?: number, to?: number): void;
  keepalive(): void;
  /** Sends Orchflow-Close, as a client's clean end does. */
  close(): void;
  /** Publishes a whole JSON-RPC message. */
  send(message: unknown): void;
}

/** Asks node `n1` for a session with `token` (and `open` in the request), as an attacker's bare client would. */
async function rawSession(
  nc: NatsConnection,
  token: string,
  open: Record<string, unknown> = {},
): Promise<RawSession> {
  const nats = await loadNats();
  const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
  const closes: string[] = [];
  const answers: RawSession['answers'] = [];
  const sub = nc.subscribe(inbox, {
    callback: (_e, msg) => {
      const reason = msg.headers?.get('Orchflow-Close');
      if (reason) closes.push(reason);
      else if (msg.data.length > 0 && !msg.headers?.get('Orchflow-Chunk')) answers.push(msg.json());
    },
  });
  onTestFinished(() => sub.unsubscribe());
  const answer = await nc.request(
    'orchflow.orchflow.node.n1.connect',
    JSON.stringify({ token, inbox, ...open }),
    {
      timeout: 5_000,
    },
  );
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
    answers,
    part: (seq, index, count, bytes) =>
      send('Orchflow-Chunk', `${seq}/${index}/${count}`, new Uint8Array(bytes).fill(120)),
    request: (seq, id, count, bytes, from = 0, to = count) => {
      const text = requestText(id, count * bytes);
      for (let index = from; index < to; index++) {
        send('Orchflow-Chunk', `${seq}/${index}/${count}`, text.subarray(index * bytes, (index + 1) * bytes));
      }
    },
    keepalive: () => send('Orchflow-Keepalive', '1'),
    close: () => send('Orchflow-Close', 'closed'),
    send: (message) => nc.publish(subject, JSON.stringify(message)),
  };
}

const texts = new Map<string, Uint8Array>();

/** A JSON-RPC request `id` (for a method no node has) padded to exactly `bytes` bytes. */
function requestText(id: number, bytes: number): Uint8Array {
  const key = `${id}/${bytes}`;
  let text = texts.get(key);
  if (!text) {
    const head = `{"jsonrpc":"2.0","id":${id},"method":"no.such.method","params":{"pad":"`;
    const tail = '"}}';
    text = new TextEncoder().encode(`${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`);
    texts.set(key, text);
  }
  return text;
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
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
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
    const error = await nodeClientForTest(nats.url, 'n1', TOKENS.admin).catch((e: unknown) => e);
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
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.viewer);
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

describe('cluster node: large messages are bounded', { timeout: 60_000 }, () => {
  it('refuses the message whose part would pass the node-wide budget alone, and frees what closed sessions held', async () => {
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
    // Bob's third part does not fit: his message is refused — its request answered once its last
    // part came — and his session goes on.
    bob.request(1, 5, 10, 100 * KIB);
    await until(() => bob.answers.length > 0, "the answer to bob's request");
    expect(bob.answers[0]).toMatchObject({
      id: 5,
      error: {
        code: ErrorCode.Overloaded,
        data: { reason: 'reassembly-budget', limit: 2 * MIB, nodeId: 'n1' },
      },
    });
    expect(bob.answers[0]?.error?.message).toContain(
      "Node 'n1' holds its limit of 2 MiB in large messages from its sessions (still arriving, or not yet answered), so this message was refused",
    );
    expect(node.reassemblyBytes).toBe(1800 * KIB);
    bob.request(2, 6, 2, 20 * KIB);
    await until(() => bob.answers.length > 1, "the answer to bob's next request");
    expect(bob.answers[1]?.id).toBe(6);
    expect(bob.answers[1]?.error?.code).not.toBe(ErrorCode.Overloaded);
    expect(bob.closes).toEqual([]);
    expect(node.sessionCount).toBe(3);
    // The viewer's own share: a second session of its token cannot add to it.
    const viewer2 = await rawSession(nc, TOKENS.viewer);
    viewer2.request(1, 9, 2, 200 * KIB);
    await until(() => viewer2.answers.length > 0, "the answer to the viewer's second session");
    expect(viewer2.answers[0]).toMatchObject({
      id: 9,
      error: { code: ErrorCode.Overloaded, data: { reason: 'reassembly-budget-per-token' } },
    });
    expect(viewer2.answers[0]?.error?.message).toContain(
      "This token's sessions on node 'n1' hold 1 MiB in large messages (still arriving, or not yet answered)",
    );
    expect(viewer2.closes).toEqual([]);
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
    expect(answer.error?.code).not.toBe(ErrorCode.Overloaded);
    expect(node.reassemblyBytes).toBe(0);
  });

  it('with the defaults, sessions of one token hold at most its share, and only their messages past it are refused', async () => {
    const nats = await natsForTest();
    // Sending 60 MiB may take a loaded machine longer than the 10 s a session has to initialize.
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', initializeTimeoutMs: 120_000 });
    const nc = await ncForTest(nats.url);
    // The review's attack in small: sessions each sending 15 of 16 parts of a 16 MiB message.
    const sessions = await rawSessions(nc, TOKENS.viewer, 4);
    const partBytes = MIB - 8 * KIB;

    let most = 0;
    for (let i = 0; i < 15; i++) {
      for (const [n, s] of sessions.entries()) s.request(1, n + 1, 16, partBytes, i, i + 1);
      await nc.flush();
      most = Math.max(most, node.reassemblyBytes);
    }
    // 64 MiB for the node, 32 MiB for one token of several.
    expect(most).toBeLessThanOrEqual(32 * MIB);
    expect(node.reassemblyBytes).toBeLessThanOrEqual(32 * MIB);
    // The last parts: every request is answered, the refused ones with the share's reason.
    for (const [n, s] of sessions.entries()) s.request(1, n + 1, 16, partBytes, 15, 16);
    await until(() => sessions.every((s) => s.answers.length === 1), 'every request answered');
    const refused = sessions.filter((s) => s.answers[0]?.error?.code === ErrorCode.Overloaded);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(4);
    expect(refused[0]?.answers[0]?.error?.message).toContain("its share of the node's 64 MiB");
    expect(sessions.flatMap((s) => s.closes)).toEqual([]);
    expect(node.sessionCount).toBe(4);
    // The others were handled (answered) and hold nothing any more.
    await until(() => node.reassemblyBytes === 0, 'nothing held once every request was answered');
  });

  it('refuses a large write with no room alone: the client gets Overloaded, its session and streams go on', async () => {
    // 64 KiB NATS messages: a 300 KiB write goes in parts.
    const nats = await natsForTest({ config: 'max_payload: 65536\n' });
    const { node } = await nodeForTest(nats.url, {
      nodeId: 'n1',
      maxMessageBytes: MIB,
      reassemblyBudgetBytes: 2 * MIB,
    });
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
    const terminal = await client.spawnTerminal('agent');
    const seen: string[] = [];
    const listening = await terminal.onOutput((chunk) => seen.push(chunk.data));
    onTestFinished(() => listening.dispose());
    // Others fill the node's budget: 15 of 17 parts of 60 KiB each, twice (1800 KiB).
    const nc = await ncForTest(nats.url);
    const viewer = await rawSession(nc, TOKENS.viewer);
    const alice = await rawSession(nc, TOKENS.alice);
    for (let i = 0; i < 15; i++) {
      viewer.part(1, i, 17, 60 * KIB);
      alice.part(1, i, 17, 60 * KIB);
    }
    await until(() => node.reassemblyBytes === 1800 * KIB, 'the budget nearly full');
    const error = await terminal.write('x'.repeat(300 * KIB)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Overloaded);
    expect((error as { data?: unknown }).data).toMatchObject({ reason: 'reassembly-budget', nodeId: 'n1' });
    // The session and its stream are untouched.
    expect(client.isClosed).toBe(false);
    expect((await terminal.execute('echo still-here')).stdout).toBe('still-here\n');
    await until(() => seen.join('').includes('still-here'), 'the stream carrying on');
    expect(node.sessionCount).toBe(3);
  });

  it('counts a large request while the node handles it, until it is answered', async () => {
    // 64 KiB NATS messages: the request goes in parts.
    const nats = await natsForTest({ config: 'max_payload: 65536\n' });
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1' });
    const client = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
    const terminal = await client.spawnTerminal('agent', { mode: 'scripted' });
    let started = false;
    const abort = new AbortController();
    const running = terminal
      .execute('sleep 30', {
        meta: { pad: 'x'.repeat(300 * KIB) },
        signal: abort.signal,
        onStart: () => {
          started = true;
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await until(() => started, 'the command running');
    // Received whole long ago; still held while it runs (each such request of a token's 256 in
    // flight, on each of its sessions, could otherwise hold 16 MiB).
    expect(node.reassemblyBytes).toBeGreaterThan(300 * KIB);
    abort.abort();
    expect(await running).toMatchObject({ code: ErrorCode.Cancelled });
    // Given back once the node answered it (the client gave up on it before that answer came).
    await until(() => node.reassemblyBytes === 0, 'the cancelled request answered');
  });

  it('closes a session that asks for large answers and acknowledges none, before 16 MiB of them wait', async () => {
    const nats = await natsForTest();
    const { node, orch } = await nodeForTest(nats.url, { nodeId: 'n1' });
    // A terminal with 900 KB of scrollback: each read of it is a 900 KB answer.
    const terminal = await orch.spawnTerminal('busy', { mode: 'scripted' });
    await terminal.execute("head -c 900000 /dev/zero | tr '\\0' x");
    const nc = await ncForTest(nats.url);
    // A viewer asks for a flow window and never acknowledges what it is sent.
    const viewer = await rawSession(nc, TOKENS.viewer, { flowWindow: 64 * KIB });
    viewer.send({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' }, token: TOKENS.viewer },
    });
    await until(() => viewer.answers.length === 1, 'initialized');
    // 60 reads in flight (of the 256 allowed): 54 MB of answers, were they held.
    for (let id = 1; id <= 60; id++) {
      viewer.send({
        jsonrpc: '2.0',
        id,
        method: 'terminal.read',
        params: { terminalId: terminal.id, maxBytes: MIB },
      });
    }
    await until(() => viewer.closes.length > 0, 'the session closed');
    expect(viewer.closes[0]).toBe('peer stopped acknowledging');
    // The first answers went (the window, and one past it), the rest were never held at once.
    expect(viewer.answers.length).toBeLessThan(10);
    await until(() => node.sessionCount === 0, 'the session gone');
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
