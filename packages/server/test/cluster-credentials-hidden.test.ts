// NATS credentials must not show when a cluster client, a node or a gateway (or one of the objects
// they are made of) is logged: nats.js keeps the token, user and password in its connection's
// options, and `util.inspect` (deep) and `JSON.stringify` (what structured loggers do) of a node,
// a gateway, a node client given a connection, a directory or a session channel printed them. The
// connection is kept in ES private fields now; the credentials still connect and reconnect.
import { inspect } from 'node:util';
import {
  ClusterChannel,
  ClusterDirectory,
  connectNats,
  connectNatsNode,
  NatsClusterLinks,
  openNodeSession,
} from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ClusterGateway } from '../src/cluster/gateway';
import { natsForTest, nodeForTest } from './cluster-harness';
import type { NatsServerOptions } from './nats-harness';
import { TOKENS } from './transport-harness';

const SECRET = 'nats-secret-0123456789abcdef';

/** JSON of `value` that survives cycles (as loggers' serialisers do): repeated objects as "[cycle]". */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    if (typeof v === 'bigint') return String(v);
    return typeof v === 'function' ? undefined : v;
  });
}

const credentials: [string, NatsServerOptions, { token?: string; user?: string; pass?: string }][] = [
  ['a NATS token', { token: SECRET }, { token: SECRET }],
  [
    'a NATS user and password',
    { user: { name: 'orchflow', pass: SECRET } },
    { user: 'orchflow', pass: SECRET },
  ],
];

describe('NATS credentials do not show when cluster objects are logged', { timeout: 60_000 }, () => {
  it.each(credentials)('%s', async (_name, server, auth) => {
    const nats = await natsForTest(server);
    const { node } = await nodeForTest(nats.url, { nodeId: 'n1', nats: { servers: nats.url, ...auth } });
    const logged: Record<string, unknown> = { node };
    const cluster = await OrchflowClient.nats({ servers: nats.url, nats: auth, token: TOKENS.admin });
    onTestFinished(() => cluster.close());
    logged.cluster = cluster;
    logged.terminal = await cluster.spawnTerminal('agent-1', { mode: 'scripted' });
    const nc = await connectNats({ servers: nats.url, ...auth });
    onTestFinished(() => nc.close());
    for (const reconnect of [undefined, false] as const) {
      const client = await connectNatsNode({ connection: nc, node: 'n1', token: TOKENS.admin, reconnect });
      onTestFinished(() => client.close());
      logged[`node client, reconnect ${reconnect}`] = client;
    }
    logged.clusterOnConnection = await OrchflowClient.nats({ connection: nc, token: TOKENS.admin });
    onTestFinished(() => (logged.clusterOnConnection as OrchflowClient).close());
    const directory = await ClusterDirectory.open(nc);
    onTestFinished(() => directory.close());
    const links = new NatsClusterLinks(nc, directory, { token: TOKENS.admin });
    onTestFinished(() => links.close());
    const router = new ClusterChannel(links);
    onTestFinished(() => router.close());
    const session = await openNodeSession(nc, { node: 'n1', token: TOKENS.admin });
    onTestFinished(() => session.close());
    Object.assign(logged, { directory, links, router, session });
    const gateway = await ClusterGateway.open({ nats: { servers: nats.url, ...auth } });
    onTestFinished(() => gateway.stop());
    logged.gateway = gateway;
    for (const [what, value] of Object.entries(logged)) {
      expect(inspect(value, { depth: 40 }).includes(SECRET), `${what}: util.inspect`).toBe(false);
      expect(safeJson(value).includes(SECRET), `${what}: JSON`).toBe(false);
    }
    // The credentials still work: the node serves, the client reaches it.
    const terminal = logged.terminal as Awaited<ReturnType<OrchflowClient['spawnTerminal']>>;
    expect((await terminal.execute('echo ok')).stdout.trim()).toBe('ok');
  });
});
