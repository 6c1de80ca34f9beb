// ClusterDirectory's liveness on a real nats-server, fed by hand-written announcements in the KV
// bucket: a node whose clock is far behind is live from its next heartbeat on, one whose clock is
// far ahead is still declared lost when its heartbeats stop, and a node that restarts under the
// same id (a new `startedAt`) is reported lost ('restarted') and then up, not merely updated; a node
// lost by its TTL whose key is deleted afterwards (forgotten) is reported again, 'deleted'. A bucket
// deleted while everyone stays connected is noticed and watched anew: the nodes' next heartbeats
// (into the bucket they create again) and a node started afterwards are seen.
import { ClusterDirectory, type NodeAnnouncement, openNodesBucket } from '@orchflow/client/internal';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';

// Long enough that a loaded machine's stalls do not expire a node a test expects live.
const TTL_MS = 3_000;
const HOUR = 3_600_000;

function announcement(id: string, fields: Partial<NodeAnnouncement> = {}): NodeAnnouncement {
  return {
    id,
    labels: {},
    capacity: 4,
    load: 0,
    version: '0.0.0-test',
    protocolVersion: '1.0',
    startedAt: 1,
    heartbeatAt: Date.now(),
    ttlMs: TTL_MS,
    ...fields,
  };
}

async function setup() {
  const nats = await natsForTest();
  const nc = await ncForTest(nats.url);
  const kv = await openNodesBucket(nc, 'orchflow', TTL_MS);
  const put = (a: NodeAnnouncement) => kv.put(a.id, JSON.stringify(a));
  return { nc, put, kv };
}

describe('ClusterDirectory: liveness on its own clock', () => {
  it('a node whose clock is an hour behind is live as soon as a heartbeat arrives', async () => {
    const { nc, put } = await setup();
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    const up = new Promise<NodeAnnouncement>((resolve) => directory.on('node-up', resolve));
    await put(announcement('behind', { heartbeatAt: Date.now() - HOUR }));
    expect((await up).id).toBe('behind');
    expect(directory.get('behind')).toBeDefined();
    directory.close();
  });

  it('a node whose clock is an hour ahead is declared lost one TTL after its heartbeats stop', async () => {
    const { nc, put } = await setup();
    // Found at start-up: aged by at most one TTL, so a skewed clock cannot keep it live longer.
    await put(announcement('ahead-loaded', { heartbeatAt: Date.now() + HOUR }));
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    const lost: { id: string; reason: string }[] = [];
    directory.on('node-lost', (event) => lost.push(event));
    const up: string[] = [];
    directory.on('node-up', (a) => up.push(a.id));
    await put(announcement('ahead', { heartbeatAt: Date.now() + HOUR }));
    // By their own `heartbeatAt` both would stay live for an hour.
    await until(() => lost.length === 2, 'both nodes lost', 20_000);
    expect(up).toEqual(['ahead']);
    expect(lost.map((event) => [event.id, event.reason]).sort()).toEqual([
      ['ahead', 'ttl'],
      ['ahead-loaded', 'ttl'],
    ]);
    expect(directory.nodes()).toEqual([]);
    directory.close();
  });

  it('a loaded entry whose last heartbeat is older than its TTL is not live', async () => {
    const { nc, put } = await setup();
    await put(announcement('dead', { heartbeatAt: Date.now() - 10 * TTL_MS }));
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    expect(directory.get('dead')).toBeUndefined();
    directory.close();
  });

  it('a node lost by its TTL and then deleted is reported again as deleted (forgotten)', async () => {
    const { nc, put, kv } = await setup();
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    const lost: string[] = [];
    directory.on('node-lost', (event) => lost.push(`${event.id}:${event.reason}`));
    await put(announcement('gone'));
    await until(() => directory.get('gone') !== undefined, 'the node live');
    // Its heartbeats stop (no further put): lost by its TTL.
    await until(() => lost.length === 1, 'the node lost', 20_000);
    expect(lost).toEqual(['gone:ttl']);
    await kv.delete('gone');
    await until(() => lost.length === 2, 'the deletion seen');
    expect(lost).toEqual(['gone:ttl', 'gone:deleted']);
    // Deleting a key the directory never saw says nothing.
    await kv.delete('never-seen');
    await put(announcement('marker'));
    await until(() => directory.get('marker') !== undefined, 'a later update');
    expect(lost).toEqual(['gone:ttl', 'gone:deleted']);
    directory.close();
  });

  it('a restart under the same id is node-lost (restarted) then node-up', async () => {
    const { nc, put } = await setup();
    // A TTL that cannot run out during the test: only the restart may make the node lost.
    const ttlMs = 600_000;
    await put(announcement('n1', { startedAt: 1, ttlMs }));
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50 });
    const events: string[] = [];
    directory.on('node-up', (a) => events.push(`up:${a.startedAt}`));
    directory.on('node-lost', (e) => events.push(`lost:${e.reason}:${e.last.startedAt}`));
    await put(announcement('n1', { startedAt: 1, load: 1, ttlMs }));
    await put(announcement('n1', { startedAt: 2, ttlMs }));
    await until(() => events.includes('up:2'), 'the restarted node up');
    // (The watch may skip the load update: the bucket keeps one revision per node.)
    expect(events).toEqual(['lost:restarted:1', 'up:2']);
    expect(directory.get('n1')?.startedAt).toBe(2);
    directory.close();
  });
});

describe('ClusterDirectory: a bucket deleted under it', { timeout: 60_000 }, () => {
  it('is noticed while NATS stays connected and watched anew: nodes announced into the new one are seen', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1', ttlMs: TTL_MS });
    const nc = await ncForTest(nats.url);
    const kv = await openNodesBucket(nc, 'orchflow', TTL_MS);
    // A bucket with some history, as a cluster's is after a while of heartbeats: nats.js's own
    // recovery of the watch resumes at the old bucket's sequence, which a new bucket reaches late.
    for (let i = 0; i < 300; i++) await kv.put('history', String(i));
    await kv.delete('history');
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 50, bucketCheckIntervalMs: 100 });
    onTestFinished(() => directory.close());
    await until(() => directory.get('n1') !== undefined, 'n1 live');
    const up: string[] = [];
    directory.on('node-up', (a) => up.push(a.id));

    await kv.destroy();
    // n1 puts its announcement into a bucket it creates again; n2 starts on that bucket.
    await nodeForTest(nats.url, { nodeId: 'n2', ttlMs: TTL_MS, labels: { after: 'delete' } });
    // nats.js alone would watch the new bucket from the old one's sequence (300 and more), which
    // it reaches only after minutes of heartbeats.
    await until(() => directory.get('n2') !== undefined, 'n2, announced into the new bucket', 20_000);
    expect(directory.get('n2')?.labels).toEqual({ after: 'delete' });
    expect(up).toContain('n2');
    // Updates of the new bucket keep arriving: n1's heartbeats keep it live past its TTL.
    const n1Seen = directory.get('n1')?.heartbeatAt ?? 0;
    await until(() => (directory.get('n1')?.heartbeatAt ?? 0) > n1Seen, "a newer heartbeat of n1's", 20_000);
  });
});
