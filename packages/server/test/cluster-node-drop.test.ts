// Only the node's NATS connection drops for a moment (the client's stays up): the node ends its
// sessions (messages may be lost), and its close notices sent while disconnected are lost with
// them. Once the node is connected again its clients must learn at once that their sessions are
// gone, reopen, re-initialize and carry on with the same terminals (kept by the node's reconnect
// grace), not wait out the session TTL.

import { connectNats } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

describe('a node whose NATS connection drops', { timeout: 60_000 }, () => {
  it('tells its clients once it is back: they resume at once with the same terminals', async () => {
    const nats = await natsForTest();
    const own = await connectNats({ servers: nats.url });
    onTestFinished(() => own.close());
    await nodeForTest(nats.url, {
      nodeId: 'n1',
      connection: own,
      sessionTtlMs: 30_000,
      reconnectGraceMs: 30_000,
    });
    let reconnected = 0;
    const client = await OrchflowClient.nats({
      servers: nats.url,
      token: TOKENS.admin,
      reconnect: { onReconnected: () => reconnected++ },
    });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('agent-1', { placement: { node: 'n1' } });
    expect((await terminal.execute('echo before')).stdout).toBe('before\n');
    const statuses = own.status() as AsyncIterable<{ type: string }> & { stop(): void };
    let back = false;
    void (async () => {
      for await (const s of statuses) if (s.type === 'reconnect') back = true;
    })();
    onTestFinished(() => statuses.stop());
    // Drop the node's connection (nats.js reconnects at once).
    void own.reconnect();
    await until(() => back, "the node's NATS connection to come back");
    const cut = Date.now();
    await until(() => reconnected > 0, 'the client to reopen its session', 8_000);
    const after = await terminal.execute('echo after');
    expect(after.stdout).toBe('after\n');
    expect(Date.now() - cut).toBeLessThan(8_000);
  });

  it('answers a message for a session it dropped with a close notice', async () => {
    const nats = await natsForTest();
    const own = await connectNats({ servers: nats.url });
    onTestFinished(() => own.close());
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', connection: own, sessionTtlMs: 30_000 });
    // A raw client: opens a session, then counts the node's close notices on its inbox.
    const nc = await ncForTest(nats.url);
    const inbox = `_INBOX.dropped${Date.now()}`;
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
    const { session } = reply.json<{ session: string }>();
    await until(() => node.sessionCount === 1, 'session open');
    void own.reconnect();
    await until(() => closes.length > 0, 'the close notice once the node is back', 8_000);
    await until(() => node.sessionCount === 0, 'session gone');
    // The client had not heard (say the notice was lost) and sends on: it is told again.
    const before = closes.length;
    nc.publish(`orchflow.orchflow.node.n1.s.${session}`, JSON.stringify({ jsonrpc: '2.0', method: 'x' }));
    await until(() => closes.length > before, 'a close notice for the dropped session', 5_000);
    expect(closes.at(-1)).toBe('node lost NATS');
  });
});
