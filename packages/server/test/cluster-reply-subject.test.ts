// A node answers a session-open or discovery request by publishing to the request's reply
// subject, with its own NATS permissions: a reply subject that is a JetStream or KV API subject
// made the node act on the cluster's directory for whoever sent the request (a purge of the node
// bucket was shown). Nodes now answer only non-`$` subjects. Also: a client's `inboxPrefix`
// reaches its NATS connection, and a node told that prefix (`inboxPrefixes`) serves it.

import { connectNats } from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest } from './cluster-harness';
import { TOKENS } from './transport-harness';

const CONNECT = 'orchflow.orchflow.node.n1.connect';

describe('cluster node: where it answers, and per-user inbox prefixes', { timeout: 60_000 }, () => {
  it('does not publish answers to $ subjects (JetStream and KV APIs), only to inboxes', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    const nc = await ncForTest(nats.url);
    const seen: string[] = [];
    const watch = (subject: string) =>
      nc.subscribe(subject, {
        callback: (_error, msg) => {
          seen.push(`${subject}: ${msg.string().slice(0, 40)}`);
        },
      });
    watch('$deputy.open');
    watch('$deputy.discover');
    watch('_INBOX.control');
    const body = JSON.stringify({ token: TOKENS.admin, inbox: '_INBOX.x' });
    nc.publish(CONNECT, body, { reply: '$deputy.open' });
    nc.publish('orchflow.orchflow.discover', '', { reply: '$deputy.discover' });
    nc.publish('orchflow.orchflow.discover', '', { reply: '_INBOX.control' });
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The control request to an inbox was answered; the $ ones were not.
    expect(seen.filter((line) => line.startsWith('_INBOX.control'))).toHaveLength(1);
    expect(seen.filter((line) => line.startsWith('$deputy'))).toEqual([]);
  });

  it("passes a client's inboxPrefix to NATS, and only a node told the prefix serves it", async () => {
    const { openNodeSession } = await import('@orchflow/client/internal');
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1' });
    await nodeForTest(nats.url, { nodeId: 'n2', inboxPrefixes: ['_INBOX_USERS.alice'] });
    const nc = await connectNats({ servers: nats.url, inboxPrefix: '_INBOX_USERS.alice' });
    onTestFinished(() => nc.close());
    // n1 accepts only _INBOX.: the session inbox really carries the prefix.
    await expect(openNodeSession(nc, { node: 'n1', token: TOKENS.admin })).rejects.toThrow(/inbox/i);
    const client = await OrchflowClient.fromChannel(
      await openNodeSession(nc, { node: 'n2', token: TOKENS.admin }),
    );
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('prefixed', { mode: 'scripted' });
    expect((await terminal.execute('echo prefixed')).stdout).toBe('prefixed\n');
    await expect(connectNats({ servers: nats.url, inboxPrefix: '_INBOX.>' })).rejects.toThrow(/inboxPrefix/);
  });
});
