// A node's announcement while nats-server is away and once it is back. A put then waits out its
// request timeout (5 s), and a heartbeat comes every `ttlMs / 3`: puts must not pile up behind
// one another, a mere outage must not make the node re-create the bucket (only a missing stream
// does), and the announcement is put again once the server is back.
import { openNodesBucket, parseAnnouncement } from '@orchflow/client/internal';
import { Orchestrator } from '@orchflow/core';
import { DirectBackend } from '@orchflow/mux';
import { PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Announcer } from '../src/cluster/announcer';
import { natsForTest, ncForTest, until } from './cluster-harness';

describe('Announcer: nats-server away', { timeout: 60_000 }, () => {
  it('keeps one put at a time, re-creates no bucket, and announces again once NATS is back', async () => {
    const nats = await natsForTest();
    const nc = await ncForTest(nats.url);
    const ttlMs = 600;
    const kv = await openNodesBucket(nc, 'orchflow', ttlMs);
    let inFlight = 0;
    let maxInFlight = 0;
    let reopens = 0;
    const errors: Error[] = [];
    // The real bucket, with its puts counted while they run.
    const counted = new Proxy(kv, {
      get(target, name) {
        if (name === 'put') {
          return async (...args: Parameters<typeof kv.put>) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              return await target.put(...args);
            } finally {
              inFlight--;
            }
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const orch = Orchestrator.builder().withBackend(new DirectBackend()).build();
    await orch.ready();
    onTestFinished(() => orch.shutdown());
    const base = {
      id: 'n1',
      labels: {},
      capacity: 4,
      version: '0.0.0-test',
      protocolVersion: PROTOCOL_VERSION,
    };
    const announcer = new Announcer(
      counted,
      orch,
      { ...base, startedAt: Date.now(), ttlMs },
      (error) => errors.push(error),
      async () => {
        reopens++;
        return counted;
      },
    );
    onTestFinished(() => announcer.stop(true));
    await announcer.start();
    expect(maxInFlight).toBe(1);

    await nats.kill();
    // 7 s of heartbeats every 200 ms against a server that is gone: the first put times out at
    // ~5 s. Piled up, ~30 puts would have been waiting at once.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(maxInFlight).toBe(1);
    // Each failed put is told (a timeout, here), and none of them made the node re-create the bucket.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(reopens).toBe(0);

    const backAt = Date.now();
    await nats.restart();
    const readNc = await ncForTest(nats.url);
    const read = await openNodesBucket(readNc, 'orchflow', ttlMs);
    await until(
      async () => {
        const entry = await read.get('n1').catch(() => undefined);
        return (entry ? (parseAnnouncement(entry.value)?.heartbeatAt ?? 0) : 0) > backAt;
      },
      'a heartbeat of n1 after the restart',
      20_000,
    );
    expect(maxInFlight).toBe(1);
    expect(reopens).toBe(0);
  });
});
