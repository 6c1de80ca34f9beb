// The NATS session wire on a real nats-server: messages larger than max_payload cross in both
// directions in Orchflow-Chunk parts and arrive intact; Orchflow-Close and a silent peer end the
// channel with a clear reason; a receiver's reassembly budget counts a large message until its
// requests are answered and refuses one it has no room for alone; a long session keeps nothing
// per split message it sent, and such a send, waiting for NATS, lets go when the session ends;
// NATS credentials are passed through (user/password) and refused ones give Unauthorized.
import { queryObjects } from 'node:v8';
import { connectNats, loadNats, NatsSessionChannel, type ReassemblyBudget } from '@orchflow/client/internal';
import { ErrorCode, isOrchflowError, type JsonRpcMessage, OrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, nodeClientForTest, nodeForTest } from './cluster-harness';
import { TOKENS } from './transport-harness';

async function linkedPair(
  url: string,
  ttlMs = 60_000,
): Promise<[NatsSessionChannel, NatsSessionChannel, number]> {
  const nats = await loadNats();
  const [ncA, ncB] = await Promise.all([connectNats({ servers: url }), connectNats({ servers: url })]);
  onTestFinished(async () => {
    await ncA.close();
    await ncB.close();
  });
  const maxPayload = ncA.info?.max_payload ?? 0;
  const make = (nc: typeof ncA, to: string) =>
    new NatsSessionChannel({ nc, nats, peerSubject: to, maxPayload, ttlMs, peerName: 'peer' });
  const a = make(ncA, 'wire.b');
  const b = make(ncB, 'wire.a');
  ncA.subscribe('wire.a', { callback: (_e, msg) => a.handle(msg) });
  ncB.subscribe('wire.b', { callback: (_e, msg) => b.handle(msg) });
  await Promise.all([ncA.flush(), ncB.flush()]);
  return [a, b, maxPayload];
}

function bigNotification(bytes: number): JsonRpcMessage {
  // Varied content, so a part put back in the wrong place would show.
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${i.toString(36)}|`;
  return { jsonrpc: '2.0', method: 'test.big', params: { text: text.slice(0, bytes) } };
}

describe('NatsSessionChannel', () => {
  it('carries 3 MiB messages both ways in chunks under a small max_payload', async () => {
    // The config file sets a 64 KiB max_payload: 3 MiB is about 50 parts.
    const server = await natsForTest({ config: 'max_payload: 65536\n' });
    const [a, b, maxPayload] = await linkedPair(server.url);
    expect(maxPayload).toBe(65_536);
    const message = bigNotification(3 * 1024 * 1024);
    await a.send(message);
    expect(await b.receive()).toEqual(message);
    await b.send(message);
    await b.send({ jsonrpc: '2.0', method: 'test.small' });
    expect(await a.receive()).toEqual(message);
    expect(await a.receive()).toEqual({ jsonrpc: '2.0', method: 'test.small' });
    await a.close();
    await expect(b.receive()).rejects.toThrow(/peer closed the session: closed/);
  }, 30_000);

  it('closes when the peer sends nothing (not even keepalives) for the TTL', async () => {
    const server = await natsForTest();
    const [a, b] = await linkedPair(server.url, 600);
    // a stops ticking (as a SIGKILLed peer would); b keeps its own keepalives going.
    a.end(new Error('simulated death'), undefined);
    await expect(b.receive()).rejects.toThrow(/sent nothing for 600 ms/);
  });

  it('keeps nothing alive per split message sent while the session lives on', async () => {
    // 64 KiB max_payload: a 100 KiB message goes in two parts, and its send waits for the flush.
    const server = await natsForTest({ config: 'max_payload: 65536\n' });
    const [a, b] = await linkedPair(server.url);
    const message = bigNotification(100 * 1024);
    // queryObjects collects garbage first; the tick lets the last sends' jobs end.
    const live = async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return queryObjects(Promise, { format: 'count' }) as number;
    };
    const exchange = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await a.send(message);
        await b.receive();
      }
    };
    await exchange(5);
    const before = await live();
    await exchange(200);
    // Before the fix: each send's wait for the flush stayed attached to the session's end (two
    // promises per split message, 400 here, ~300 bytes each) until the session closed.
    expect((await live()) - before).toBeLessThan(50);
  });

  it('lets the send of a split message go when the session ends while NATS is away', async () => {
    const server = await natsForTest({ config: 'max_payload: 65536\n' });
    const nats = await loadNats();
    // Each try to reconnect fails the flushes pending; a minute between tries keeps one pending.
    const nc = await nats.connect({
      servers: server.url,
      reconnectTimeWait: 60_000,
      maxReconnectAttempts: -1,
    });
    onTestFinished(() => nc.close());
    const a = new NatsSessionChannel({
      nc,
      nats,
      peerSubject: 'wire.away',
      maxPayload: 65_536,
      ttlMs: 60_000,
      peerName: 'peer',
    });
    await server.kill();
    const settled = (promise: Promise<void>, ms: number) =>
      Promise.race([
        promise.then(() => 'sent'),
        new Promise((resolve) => setTimeout(() => resolve('waiting'), ms)),
      ]);
    const sent = a.send(bigNotification(100 * 1024));
    expect(await settled(sent, 300)).toBe('waiting');
    a.end(new Error('gone'), undefined);
    expect(await settled(sent, 2_000)).toBe('sent');
  });
});

describe('NatsSessionChannel: a receiver with a reassembly budget', () => {
  /** A sender and a receiver whose budget holds `limit` bytes; messages go in 64 KiB parts. */
  async function budgetedPair(url: string, limit: number) {
    const nats = await loadNats();
    const nc = await connectNats({ servers: url });
    onTestFinished(() => nc.close());
    const budget = {
      held: 0,
      take(bytes: number) {
        if (budget.held + bytes > limit) {
          throw new OrchflowError(ErrorCode.Overloaded, 'The budget is full', {
            reason: 'reassembly-budget',
          });
        }
        budget.held += bytes;
      },
      release(bytes: number) {
        budget.held -= bytes;
      },
    } satisfies ReassemblyBudget & { held: number };
    const sent: JsonRpcMessage[] = [];
    const common = { nc, nats, maxPayload: 65_536, ttlMs: 60_000, peerName: 'peer' };
    const sender = new NatsSessionChannel({ ...common, peerSubject: 'budget.receiver' });
    const receiver = new NatsSessionChannel({
      ...common,
      peerSubject: 'budget.sender',
      reassemblyBudget: budget,
      onSend: (message) => sent.push(message),
    });
    onTestFinished(() => sender.close());
    nc.subscribe('budget.sender', { callback: (_e, msg) => sender.handle(msg) });
    nc.subscribe('budget.receiver', { callback: (_e, msg) => receiver.handle(msg) });
    await nc.flush();
    return { sender, receiver, budget, sent };
  }

  const request = (id: number, bytes: number): JsonRpcMessage => ({
    jsonrpc: '2.0',
    id,
    method: 'terminal.write',
    params: { terminalId: 't', data: 'x'.repeat(bytes) },
  });

  it('counts a large request until it is answered, and refuses one with no room alone', async () => {
    const server = await natsForTest();
    const { sender, receiver, budget, sent } = await budgetedPair(server.url, 400_000);
    await sender.send(request(1, 200_000));
    expect(await receiver.receive()).toMatchObject({ id: 1 });
    // Read, but still being handled: still counted.
    const first = budget.held;
    expect(first).toBeGreaterThan(200_000);
    // A large notification counts until the reader took it.
    await sender.send({ jsonrpc: '2.0', method: 'test.big', params: { text: 'n'.repeat(150_000) } });
    expect(await receiver.receive()).toMatchObject({ method: 'test.big' });
    expect(budget.held).toBe(first);
    // No room for this one: it alone is refused, its request answered with the budget's error.
    await sender.send(request(2, 250_000));
    expect(await sender.receive()).toMatchObject({
      id: 2,
      error: { code: ErrorCode.Overloaded, data: { reason: 'reassembly-budget' } },
    });
    // The refusal was never the receiver's answer (its onSend would count request 2 answered).
    expect(sent).toEqual([]);
    expect(budget.held).toBe(first);
    // The session goes on, in order: the next message is the next one read.
    await sender.send({ jsonrpc: '2.0', id: 3, method: 'small' });
    expect(await receiver.receive()).toMatchObject({ id: 3, method: 'small' });
    // A refusal carrying request 1's id (a request that reused it) frees nothing.
    await receiver.sendRefusal({
      jsonrpc: '2.0',
      id: 1,
      error: { code: ErrorCode.InvalidRequest, message: 'dup' },
    });
    expect(budget.held).toBe(first);
    // Its answer does.
    await receiver.send({ jsonrpc: '2.0', id: 1, result: { written: 1 } });
    expect(budget.held).toBe(0);
    // A request still unanswered when the session ends is given back too.
    await sender.send(request(4, 200_000));
    expect(await receiver.receive()).toMatchObject({ id: 4 });
    expect(budget.held).toBeGreaterThan(200_000);
    receiver.end(new Error('gone'), undefined);
    expect(budget.held).toBe(0);
  });
});

describe('NATS credentials', () => {
  it('connects with user/password and refuses wrong ones with Unauthorized', async () => {
    const server = await natsForTest({ user: { name: 'orch', pass: 'secret-pass' } });
    await nodeForTest(server.url, {
      nodeId: 'n1',
      nats: { servers: server.url, user: 'orch', pass: 'secret-pass' },
    });
    const client = await nodeClientForTest(server.url, 'n1', TOKENS.admin, {
      nats: { user: 'orch', pass: 'secret-pass' },
    });
    expect((await client.spawnTerminal('x')).id).toMatch(/^n1_/);
    for (const nats of [{ user: 'orch', pass: 'wrong' }, {}]) {
      const error = await nodeClientForTest(server.url, 'n1', undefined, { nats }).catch((e) => e);
      expect(isOrchflowError(error) && error.code, JSON.stringify(nats)).toBe(ErrorCode.Unauthorized);
      expect(error.message).toMatch(/refused the credentials/);
    }
  });

  it('maps a NATS permissions violation to Forbidden at once (config-file users)', async () => {
    const config = [
      'authorization {',
      '  users = [',
      '    { user: node, password: nodepass }',
      '    { user: client, password: clientpass, permissions: { publish: { deny: ["orchflow.>"] } } }',
      '  ]',
      '}',
    ].join('\n');
    const server = await natsForTest({ config });
    await nodeForTest(server.url, {
      nodeId: 'n1',
      nats: { servers: server.url, user: 'node', pass: 'nodepass' },
    });
    const started = Date.now();
    const error = await nodeClientForTest(server.url, 'n1', TOKENS.admin, {
      nats: { user: 'client', pass: 'clientpass' },
    }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Forbidden);
    expect(error.data).toEqual({ reason: 'nats-permission', nodeId: 'n1' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rejects bad NATS options before connecting', async () => {
    const error = await connectNats({
      servers: 'nats://127.0.0.1:1',
      token: 't',
      user: 'u',
      pass: 'p',
    }).catch((e) => e);
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/one kind of NATS credentials/);
    const unreachable = await connectNats({ servers: 'nats://127.0.0.1:1', connectTimeoutMs: 2_000 }).catch(
      (e) => e,
    );
    expect(isOrchflowError(unreachable) && unreachable.code).toBe(ErrorCode.Unavailable);
  });
});
