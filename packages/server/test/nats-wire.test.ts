// The NATS session wire on a real nats-server: messages larger than max_payload cross in both
// directions in Orchflow-Chunk parts and arrive intact; Orchflow-Close and a silent peer end the
// channel with a clear reason; NATS credentials are passed through (user/password) and refused
// ones give Unauthorized.
import { connectNats, connectNatsNode, loadNats, NatsSessionChannel } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError, type JsonRpcMessage } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, nodeForTest } from './cluster-harness';
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
});

describe('NATS credentials', () => {
  it('connects with user/password and refuses wrong ones with Unauthorized', async () => {
    const server = await natsForTest({ user: { name: 'orch', pass: 'secret-pass' } });
    await nodeForTest(server.url, {
      nodeId: 'n1',
      nats: { servers: server.url, user: 'orch', pass: 'secret-pass' },
    });
    const client = await connectNatsNode({
      servers: server.url,
      nats: { user: 'orch', pass: 'secret-pass' },
      node: 'n1',
      token: TOKENS.admin,
      reconnect: false,
    });
    expect((await client.spawnTerminal('x')).id).toMatch(/^n1_/);
    await client.close();
    for (const nats of [{ user: 'orch', pass: 'wrong' }, {}]) {
      const error = await connectNatsNode({ servers: server.url, nats, node: 'n1', reconnect: false }).catch(
        (e) => e,
      );
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
    const error = await connectNatsNode({
      servers: server.url,
      nats: { user: 'client', pass: 'clientpass' },
      node: 'n1',
      token: TOKENS.admin,
      reconnect: false,
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
