// A gateway connection leaves nothing behind on the gateway's shared NATS connection: its links
// (and their watch of the connection's status, which held the caller's token) are closed when
// the connection ends, however many node sessions it opened.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OrchflowClient } from '@orchflow/client/node';
import { DirectChannel } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ClusterGateway } from '../src/cluster/gateway';
import { natsForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

describe('cluster gateway connections', { timeout: 60_000 }, () => {
  it('close their links: the NATS connection has no status listener per connection left', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const gateway = await ClusterGateway.open({ nats: { servers: nats.url } });
    onTestFinished(() => gateway.stop());
    await until(() => gateway.nodes().some((n) => n.id === 'n1'), 'node n1 in the directory');
    // The status listeners of the gateway's NATS connection (nats.js keeps them in this array).
    const nc = gateway.natsConnection as unknown as { protocol: { listeners: unknown[] } };
    const listeners = () => nc.protocol.listeners.length;
    const baseline = listeners();
    const connect = async (keepTerminals: boolean) => {
      const [clientEnd, serverEnd] = DirectChannel.pair();
      const principal = gateway.auth.lookup(TOKENS.admin);
      gateway.channels.serve(serverEnd, { principal, keepTerminals });
      const client = await OrchflowClient.fromChannel(clientEnd, { clientInfo: { name: 'leak-test' } });
      const terminal = await client.spawnTerminal('agent-1', { mode: 'scripted' });
      await terminal.kill();
      await client.close();
    };
    for (let i = 0; i < 8; i++) await connect(i % 2 === 0);
    await until(() => gateway.connectionCount === 0, 'every connection to end');
    await until(() => listeners() <= baseline, `status listeners back to ${baseline}`, 3_000).catch(
      () => undefined,
    );
    expect(listeners()).toBe(baseline);
  });

  it('leave nothing reachable behind per connection once closed (their node sessions included)', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const gateway = await ClusterGateway.open({ nats: { servers: nats.url } });
    onTestFinished(() => gateway.stop());
    await until(() => gateway.nodes().some((n) => n.id === 'n1'), 'node n1 in the directory');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const left: WeakRef<object>[] = [];
    for (let i = 0; i < 12; i++) {
      const [clientEnd, serverEnd] = DirectChannel.pair();
      gateway.channels.serve(serverEnd, { principal: gateway.auth.lookup(TOKENS.admin) });
      const client = await OrchflowClient.fromChannel(clientEnd, { clientInfo: { name: 'leak-test' } });
      await client.listTerminals();
      await client.close();
      left.push(new WeakRef(serverEnd));
    }
    await until(() => gateway.connectionCount === 0, 'every connection to end');
    // The most recent connection may still be reachable from the last exchange's leftovers; what
    // must not happen is one connection per session kept alive (before the fix: every one was,
    // by the callbacks its links and node sessions left on `nc.closed()`).
    const alive = () => left.slice(0, -1).filter((ref) => ref.deref() !== undefined).length;
    await until(
      async () => {
        gc();
        await new Promise((r) => setTimeout(r, 50));
        gc();
        return alive() === 0;
      },
      'the closed connections to be collected',
      5_000,
    ).catch(() => undefined);
    expect(alive()).toBe(0);
  });
});
