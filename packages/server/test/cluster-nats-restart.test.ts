// A nats-server restart under a cluster node and its clients: a session without reconnect ends
// and its in-flight request fails with a retryable error naming the lost NATS connection; a
// reconnecting client opens a new session by itself and keeps its terminal (adopted within the
// grace period); the node announces itself again once NATS is back, also through a spell of
// refused credentials, and into a bucket it creates again when the server lost its JetStream store.

import {
  ClusterDirectory,
  clusterSubjects,
  connectNatsNode,
  openNodesBucket,
  parseAnnouncement,
} from '@orchflow/client/internal';
import type { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowLocalError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { natsForTest, ncForTest, nodeClientForTest, nodeForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

describe('ClusterNode: nats-server restart', () => {
  it('ends plain sessions with a retryable error, reconnects the others, re-announces the node', async () => {
    const nats = await natsForTest();
    const ttlMs = 3_000;
    await nodeForTest(nats.url, { nodeId: 'n1', ttlMs });
    const plain = await nodeClientForTest(nats.url, 'n1', TOKENS.admin);
    const resilient = await connectNatsNode({
      servers: nats.url,
      node: 'n1',
      token: TOKENS.admin,
      reconnect: { initialDelayMs: 200, maxAttempts: 30 },
    });
    const watcherNc = await ncForTest(nats.url);
    const watcher = await ClusterDirectory.open(watcherNc, { checkIntervalMs: 100 });
    const kept = await resilient.spawnTerminal('kept');
    const slow = await plain.spawnTerminal('slow');
    let started = false;
    const inFlight = slow
      .execute('sleep 30', {
        timeoutMs: 60_000,
        onStart: () => {
          started = true;
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // The command is running on the node before NATS goes away.
    await until(() => started, 'sleep running');

    const restartedAt = Date.now();
    await nats.restart();

    const error = (await inFlight) as Error & { cause?: { code?: number; data?: unknown } };
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    expect(error.cause?.code).toBe(ErrorCode.Unavailable);
    expect(error.cause?.data).toEqual({ reason: 'nats-disconnected' });
    await until(() => plain.isClosed, 'plain client closed');

    // The reconnecting client carries on with the same terminal on a new session.
    expect(await kept.execute('echo back', { timeoutMs: 30_000 })).toMatchObject({
      stdout: 'back\n',
      exitCode: 0,
    });

    // The node put its announcement again after the restart, and directories see it live.
    const nc = await ncForTest(nats.url);
    const kv = await openNodesBucket(nc, 'orchflow', ttlMs);
    await until(
      async () => {
        const entry = await kv.get('n1');
        return entry && parseAnnouncement(entry.value)?.heartbeatAt
          ? (parseAnnouncement(entry.value)?.heartbeatAt as number) > restartedAt
          : false;
      },
      're-announcement',
      10_000,
    );
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    expect(directory.nodes().map((n) => n.id)).toEqual(['n1']);
    directory.close();
    // A directory that watched through the restart keeps receiving heartbeats.
    await until(
      () => (watcher.get('n1')?.heartbeatAt ?? 0) > restartedAt,
      'heartbeat seen by the old watch',
      15_000,
    );
    watcher.close();
    await resilient.close();
  }, 90_000);
});

describe('ClusterNode: NATS refusing its credentials for a while', { timeout: 60_000 }, () => {
  it('keeps the node trying, and serving again once the credentials fit', async () => {
    const natsToken = 'cluster-secret';
    const nats = await natsForTest({ token: natsToken });
    await nodeForTest(nats.url, { nodeId: 'n1', nats: { servers: nats.url, token: natsToken } });
    // nats-server comes back with another token, so every reconnect of the node is refused.
    await nats.restart({ token: 'rotated-too-early' });
    // nats.js gave reconnecting up for good after the second refusal in a row (500 ms apart).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await nats.restart({ token: natsToken });
    let client: OrchflowClient | undefined;
    await until(
      async () => {
        client = await connectNatsNode({
          servers: nats.url,
          nats: { token: natsToken },
          node: 'n1',
          token: TOKENS.admin,
          openTimeoutMs: 1_000,
        }).catch(() => undefined);
        return client !== undefined;
      },
      'the node to answer once the token fits again',
      15_000,
    );
    if (!client) throw new Error('unreachable');
    onTestFinished(() => client?.close());
    const terminal = await client.spawnTerminal('agent-1');
    expect((await terminal.execute('echo served')).stdout).toBe('served\n');
  });
});

describe('ClusterDirectory: nats-server back without its JetStream store', { timeout: 60_000 }, () => {
  it('keeps the nodes: they create the bucket again, and the directory watches the new one', async () => {
    const nats = await natsForTest();
    const ttlMs = 3_000;
    await nodeForTest(nats.url, { nodeId: 'n1', ttlMs });
    const watcherNc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(watcherNc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    await until(() => directory.get('n1') !== undefined, 'n1 in the directory');
    // Put the bucket's revisions well above where a new bucket starts, then wait for a heartbeat
    // of n1 carrying one of them.
    const kv = await openNodesBucket(watcherNc, 'orchflow', ttlMs);
    for (let i = 0; i < 50; i++) await kv.put(`filler-${i}`, 'not an announcement');
    const before = directory.get('n1')?.heartbeatAt ?? 0;
    await until(
      () => (directory.get('n1')?.heartbeatAt ?? 0) > before,
      'a heartbeat of n1 after the fillers',
    );

    await nats.restart({ wipeStore: true });
    const restartedAt = Date.now();
    // A silent watch never sees n1 again, nor does one that ignores the new bucket's low
    // revisions (n1's heartbeats, one a second, take a minute to pass the old ones).
    await until(
      () => (directory.get('n1')?.heartbeatAt ?? 0) > restartedAt,
      'a heartbeat of n1 in the new bucket',
      40_000,
    );
  });
});

describe('ClusterNode: nats-server back without its JetStream store, no directory watching', {
  timeout: 60_000,
}, () => {
  it('creates the bucket again and announces itself in it', async () => {
    const nats = await natsForTest();
    await nodeForTest(nats.url, { nodeId: 'n1', ttlMs: 1_500 });
    await nats.restart({ wipeStore: true });
    const nc = await ncForTest(nats.url);
    const { Kvm } = await import('@nats-io/kv');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(nc);
    const bucket = clusterSubjects('orchflow').bucket;
    // nats-server 2.9.10 (Debian 12's) panics and exits on a message get that reaches a stream
    // still being created (9 of 30 tries, a get looping beside a `Kvm.create`): so read the key
    // only once the stream holds a message, which it cannot before its creation is done. `open`
    // binds to an existing bucket only (it does not create one).
    const read = async () => {
      const info = await jsm.streams.info(`KV_${bucket}`).catch(() => undefined);
      if (!info || info.state.messages === 0) return undefined;
      const kv = await new Kvm(nc).open(bucket).catch(() => undefined);
      const entry = await kv?.get('n1').catch(() => undefined);
      return entry ? parseAnnouncement(entry.value) : undefined;
    };
    // A put while the new server's JetStream is not up yet waits out its timeout: give it time.
    await until(async () => (await read())?.id === 'n1', "n1's announcement in a bucket it created", 40_000);
  });
});
