// `OrchflowClient.http` over a real HttpServer: the whole client API behaves as over WebSocket —
// transactions, streamed output and progress, cancellation that really interrupts the command,
// interactive sessions — and sessions end cleanly: `close()` kills the terminals at once, a
// session left idle past its TTL is reaped like a vanished WebSocket client, and a lost server
// surfaces as the local ChannelClosed error, never as an invented terminal event.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError, isOrchflowLocalError, OrchflowClient } from '@orchflow/client';
import type { OutputChunk } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { breakableStreams } from './conformance/transports';
import { startHttp, TOKENS } from './transport-harness';

async function connect(url: string, options: Parameters<typeof OrchflowClient.http>[1] = {}) {
  const client = await OrchflowClient.http(url, { token: TOKENS.admin, ...options });
  onTestFinished(() => client.close());
  return client;
}

/** Waits (polling, bounded) until `condition` holds; fails with `what` when it never does. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('OrchflowClient.http: the client API', () => {
  it('advertises the same features as WebSocket, for the http transport', async () => {
    const { url } = await startHttp();
    const client = await connect(url);
    expect(client.capabilities.transports).toEqual(['http']);
    expect(client.capabilities.features).toEqual(
      expect.arrayContaining([
        'subscriptions',
        'executeProgress',
        'executeStarted',
        'cancellation',
        'transactions',
      ]),
    );
  });

  it('commits a transaction', async () => {
    const { url } = await startHttp();
    const client = await connect(url);
    const terminal = await client.spawnTerminal('tx');
    const tx = await client.transaction();
    const results = await tx.commit([
      { terminalId: terminal.id, command: 'echo one' },
      { terminalId: terminal.id, command: 'echo two' },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(JSON.stringify(results)).toContain('two');
  });

  it('delivers output chunks and progress while a command runs', async () => {
    const { url } = await startHttp();
    const client = await connect(url);
    const terminal = await client.spawnTerminal('out');
    const chunks: OutputChunk[] = [];
    let started: number | undefined;
    const result = await terminal.execute('for i in 1 2 3; do echo chunk-$i; sleep 0.1; done', {
      onOutput: (chunk) => chunks.push(chunk),
      onStart: (offset) => {
        started = offset;
      },
    });
    expect(result.exitCode).toBe(0);
    expect(typeof started).toBe('number');
    const text = chunks.map((c) => c.data).join('');
    for (const n of [1, 2, 3]) expect(text).toContain(`chunk-${n}`);
  });

  it('really interrupts a command when its execute is aborted', async () => {
    const { url } = await startHttp();
    const client = await connect(url);
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-http-abort-'));
    const marker = join(dir, 'finished');
    const terminal = await client.spawnTerminal('abort', { cwd: dir });
    const controller = new AbortController();
    const running = terminal.execute(`sleep 3; touch ${marker}`, {
      signal: controller.signal,
      onStart: () => controller.abort(),
    });
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    // Commands on one terminal run in order: once this one ran, the aborted one is over.
    expect((await terminal.execute('echo after')).stdout).toBe('after\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('runs an interactive program', async () => {
    const { url } = await startHttp();
    const client = await connect(url);
    const session = await client.runInteractive('cat');
    await session.write('hello over http\r');
    await session.waitFor('hello over http');
    await session.close();
  });
});

describe('OrchflowClient.http: how sessions end', () => {
  it('kills the terminals at once on close()', async () => {
    const { url, orch, server } = await startHttp();
    const client = await connect(url);
    const terminal = await client.spawnTerminal('closing');
    await client.close();
    expect(orch.listTerminals().find((t) => t.id === terminal.id)?.state ?? 'gone').not.toBe('running');
    expect(server.stats()).toMatchObject({ sessions: 0, orphanedTerminals: 0 });
  });

  it('reaps a session idle past its TTL and releases its terminals like a vanished WebSocket client', async () => {
    const { url, orch, server } = await startHttp({ sessionTtlMs: 300, reconnectGraceMs: 60_000 });
    const link = breakableStreams();
    let vanished = false;
    const client = await connect(url, {
      fetch: (input, init) =>
        vanished ? Promise.reject(new Error('network down')) : link.fetch(input, init),
      reconnect: { maxAttempts: 2, initialDelayMs: 10 },
    });
    const terminal = await client.spawnTerminal('idle');
    vanished = true;
    link.drop();
    await eventually(() => server.stats().sessions === 0, 'the idle session was reaped');
    // Orphaned for the grace period, exactly as a dropped WebSocket connection's terminals.
    expect(server.stats().orphanedTerminals).toBe(1);
    expect(orch.listTerminals().find((t) => t.id === terminal.id)?.state).toBe('running');
    const error = await client.listTerminals().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    // A returning client adopts the orphan by using it.
    const back = await connect(url);
    expect((await back.handle(terminal.info()).execute('echo adopted')).stdout).toBe('adopted\n');
    expect(server.stats().orphanedTerminals).toBe(0);
  });

  it('kills a reaped session’s terminals when there is no grace', async () => {
    const { url, orch, server } = await startHttp({ sessionTtlMs: 300, reconnectGraceMs: 0 });
    const link = breakableStreams();
    let vanished = false;
    const client = await connect(url, {
      fetch: (input, init) =>
        vanished ? Promise.reject(new Error('network down')) : link.fetch(input, init),
      reconnect: { maxAttempts: 2, initialDelayMs: 10 },
    });
    const terminal = await client.spawnTerminal('idle');
    vanished = true;
    link.drop();
    await eventually(
      () => orch.listTerminals().find((t) => t.id === terminal.id)?.state !== 'running',
      'the terminal of the reaped session was killed',
    );
    expect(server.stats()).toMatchObject({ sessions: 0, orphanedTerminals: 0 });
  });

  it('fails pending calls with ChannelClosed when the server goes away, without inventing an exit', async () => {
    const { url, server } = await startHttp();
    const client = await connect(url, { reconnect: { maxAttempts: 2, initialDelayMs: 10 } });
    const terminal = await client.spawnTerminal('lost');
    const events: string[] = [];
    const reading = (async () => {
      for await (const event of terminal.stream()) events.push(event.type);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    const running = terminal.execute('sleep 30').then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.stop();
    const error = await running;
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    const streamError = await reading;
    expect(isOrchflowLocalError(streamError) && streamError.code).toBe(ErrorCode.ChannelClosed);
    expect(events).not.toContain('end');
  });
});
