// Fake nodes in the directory, on a real nats-server. Anyone who can write the KV bucket can
// announce a node:
// - one announcing a TTL of 2^31−1 ms stayed live (and every `killAll` partial) for 24.8 days after
//   its last heartbeat; a reader now takes at most MAX_NODE_TTL_MS (10 minutes);
// - one announced at load 0 is the first asked at `initialize`, and its refusal of the token made
//   every client's connect fail; the next nodes are now asked.

import {
  ClusterDirectory,
  isLive,
  type NodeAnnouncement,
  openNodesBucket,
  parseAnnouncement,
} from '@orchflow/client/internal';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const MINUTE = 60_000;
const LONGEST = 2 ** 31 - 1;

function announcement(id: string, fields: Partial<NodeAnnouncement> = {}): NodeAnnouncement {
  return {
    id,
    labels: {},
    capacity: 64,
    load: 0,
    version: '0.0.0-fake',
    protocolVersion: '1.0',
    startedAt: 1,
    heartbeatAt: Date.now(),
    ttlMs: 15_000,
    ...fields,
  };
}

describe('an announced TTL', () => {
  it('counts as at most 10 minutes', () => {
    const parsed = parseAnnouncement(JSON.stringify(announcement('fake', { ttlMs: LONGEST })));
    expect(parsed?.ttlMs).toBe(10 * MINUTE);
    expect(parseAnnouncement(JSON.stringify(announcement('real', { ttlMs: 15_000 })))?.ttlMs).toBe(15_000);
    const old = announcement('fake', { ttlMs: LONGEST, heartbeatAt: Date.now() - 11 * MINUTE });
    expect(isLive(old)).toBe(false);
  });

  it('of a fake node whose last heartbeat is 11 minutes old does not keep it live', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const kv = await openNodesBucket(nc, 'orchflow', 15_000);
    await kv.put(
      'fake',
      JSON.stringify(announcement('fake', { ttlMs: LONGEST, heartbeatAt: Date.now() - 11 * MINUTE })),
    );
    await kv.put(
      'recent',
      JSON.stringify(announcement('recent', { ttlMs: LONGEST, heartbeatAt: Date.now() - MINUTE })),
    );
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    onTestFinished(() => directory.close());
    expect(directory.get('fake')).toBeUndefined();
    // Still within the 10 minutes: live, but with the capped TTL.
    expect(directory.get('recent')?.ttlMs).toBe(10 * MINUTE);
  });
});

describe('a fake node at load 0 that refuses every token', { timeout: 60_000 }, () => {
  it('does not make connects fail: the next node judges the token', async () => {
    const nats = await natsForTest();
    const { node, orch } = await nodeForTest(nats.url, { nodeId: 'n1' });
    // n1 busier than the fake (load 0), which is then the least loaded.
    await orch.spawnTerminal('busy');
    const nc = await ncForTest(nats.url);
    const kv = await openNodesBucket(nc, 'orchflow', 15_000);
    await until(async () => {
      const entry = await kv.get('n1');
      return entry !== null && parseAnnouncement(entry.value)?.load === 1;
    }, "n1's new load in the bucket");
    // Announced like a node of this version (with capabilities), so it alone is asked first.
    const capabilities = node.announcement()?.capabilities;
    await kv.put('fake', JSON.stringify(announcement('fake', { capabilities })));
    let asked = 0;
    nc.subscribe('orchflow.orchflow.node.fake.connect', {
      callback: (_e, msg) => {
        asked++;
        const error = new OrchflowError(ErrorCode.Unauthorized, 'The token was not accepted');
        msg.respond(JSON.stringify({ error: error.toJson() }));
      },
    });
    await nc.flush();
    const client = await OrchflowClient.nats({ servers: nats.url, token: TOKENS.admin });
    onTestFinished(() => client.close());
    expect(asked).toBe(1);
    expect(client.principal.kind).toBe('admin');
    // Placement skips the refusing node too.
    const terminal = await client.spawnTerminal('agent-1');
    expect(terminal.id.startsWith('n1_')).toBe(true);
    // A token no node accepts is still refused.
    const refused = await OrchflowClient.nats({ servers: nats.url, token: 'wrong-token-0123456789' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: ErrorCode.Unauthorized });
  });
});
