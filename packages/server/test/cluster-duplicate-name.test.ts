// Two nodes with one name (the default is the host name) overwrote each other's announcement, and
// the cluster flapped between them. The second now refuses to start, saying why; the first keeps
// serving. A node that restarts after a crash (its old key still fresh, but no longer
// heartbeating) still starts.
import { ClusterDirectory, openNodesBucket } from '@orchflow/client/internal';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeForTest, until } from './cluster-harness';

describe('ClusterNode: one name, one node', () => {
  it('refuses to start beside a live node of its name, and the live one stays', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    const events: string[] = [];
    // A loss by TTL only says this loaded process heard a heartbeat late; a replaced or deleted
    // announcement is what a second node of the name would cause.
    directory.on('node-lost', (event) => {
      if (event.reason !== 'ttl') events.push(`lost ${event.id} (${event.reason})`);
    });
    // A live node heartbeats every ttlMs / 3; a TTL of 3 s lets a loaded process be 2 s late.
    const { node: first } = await nodeForTest(nats.url, { nodeId: 'n1', ttlMs: 3_000 });
    const startedAt = first.announcement()?.startedAt;
    await expect(nodeForTest(nats.url, { nodeId: 'n1', ttlMs: 3_000 })).rejects.toMatchObject({
      code: ErrorCode.InvalidState,
      message: expect.stringMatching(/A node named 'n1' is already running.*own --name/),
    });
    // The first node's announcement was never replaced, and it kept heartbeating.
    const refusedAt = Date.now();
    await until(
      () => (directory.get('n1')?.heartbeatAt ?? 0) > refusedAt,
      'a heartbeat of n1 after the refusal',
    );
    expect(directory.get('n1')?.startedAt).toBe(startedAt);
    expect(events).toEqual([]);
  });

  it('starts after a node of its name stopped heartbeating (a crash leaves the key behind)', async () => {
    const nats = await natsForTest();
    const { node: crashed } = await nodeForTest(nats.url, { nodeId: 'n2', ttlMs: 3_000 });
    // Heartbeats stop but the key stays, as when the process is SIGKILLed.
    await (crashed as unknown as { announcer: { stop(keepKey: boolean): Promise<void> } }).announcer.stop(
      true,
    );
    const kv = await openNodesBucket(await ncForTest(nats.url), 'orchflow', 3_000);
    const lastHeartbeat = (await kv.get('n2'))?.json<{ heartbeatAt: number }>().heartbeatAt ?? Number.NaN;
    const { node } = await nodeForTest(nats.url, { nodeId: 'n2', ttlMs: 3_000 });
    expect(node.announcement()?.id).toBe('n2');
    // It started only once a whole TTL had passed without a heartbeat.
    expect(Date.now()).toBeGreaterThanOrEqual(lastHeartbeat + 3_000);
    await until(() => node.announcement() !== undefined, 'the new node announced');
  });

  it('refuses beside a live node that missed a heartbeat (a loaded machine), not only a punctual one', async () => {
    const nats = await natsForTest();
    const ttlMs = 6_000;
    const { node: stalled } = await nodeForTest(nats.url, { nodeId: 'n3', ttlMs });
    // The node stops heartbeating by itself; this test heartbeats for it: once now, then one
    // period late (two periods after that one).
    await (stalled as unknown as { announcer: { stop(keepKey: boolean): Promise<void> } }).announcer.stop(
      true,
    );
    const kv = await openNodesBucket(await ncForTest(nats.url), 'orchflow', ttlMs);
    const beat = async () => {
      const entry = await kv.get('n3');
      if (entry) await kv.put('n3', JSON.stringify({ ...entry.json<object>(), heartbeatAt: Date.now() }));
    };
    await beat();
    const late = setTimeout(() => void beat(), 2 * (ttlMs / 3));
    onTestFinished(() => clearTimeout(late));
    await expect(nodeForTest(nats.url, { nodeId: 'n3', ttlMs })).rejects.toMatchObject({
      code: ErrorCode.InvalidState,
    });
  });
});
