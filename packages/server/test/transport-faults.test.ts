// Faults on the reconnecting transports: a dropped connection does not interrupt the commands it
// started (they run on through the reconnect grace and a returning client collects the result),
// while a clean `close()` releases the connection's terminals at once, so they stop counting
// against `maxTerminals`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { connectWebSocket } from '@orchflow/client/node';
import { ErrorCode, isOrchflowLocalError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { droppableClient, startHttp, startWs, TOKENS, testOrchestrator } from './transport-harness';

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 25));
}

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orchflow-faults-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'result');
}

describe('a dropped WebSocket connection', () => {
  it('does not interrupt the running command; a returning client collects its result', async () => {
    const { url, server } = await startWs();
    const file = await tempFile();
    const { client, drop } = await droppableClient(url, TOKENS.admin);
    const terminal = await client.spawnTerminal('faults');
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const execute = terminal
      .execute(`echo STARTED; sleep 3; echo FINISHED > ${file}`, {
        timeoutMs: 60_000,
        onOutput: (chunk) => {
          if (chunk.data.includes('STARTED')) started();
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await running;
    drop();
    // The caller learns that the connection is gone, not that the command failed.
    const failure = await execute;
    expect(isOrchflowLocalError(failure) && failure.code).toBe(ErrorCode.ChannelClosed);
    await until(() => server.stats().orphanedTerminals === 1);

    const returning = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    onTestFinished(() => returning.close());
    const again = returning.handle(terminal.info());
    // Commands on one terminal queue: this one runs once the dropped client's command ended.
    expect((await again.execute('echo AFTER', { timeoutMs: 60_000 })).stdout).toBe('AFTER\n');
    expect(await readFile(file, 'utf8')).toBe('FINISHED\n');
    expect((await again.read({ fromOffset: 0 })).data).toContain('STARTED');
    expect(server.stats().orphanedTerminals).toBe(0);
  }, 60_000);
});

describe('a clean close()', () => {
  it('releases a WebSocket client’s terminals at once: 7 connect/spawn/close cycles fit in 5', async () => {
    const orch = testOrchestrator({ maxTerminals: 5 });
    const { url, server } = await startWs({ orchestrator: orch });
    for (let cycle = 0; cycle < 7; cycle++) {
      // Odd cycles use the default reconnecting client, even ones a plain connection.
      const client = await connectWebSocket(url, {
        token: TOKENS.admin,
        reconnect: cycle % 2 === 1 ? undefined : false,
      });
      await client.spawnTerminal(`cycle-${cycle}`);
      await client.close();
    }
    expect(orch.listTerminals({ state: 'running' })).toEqual([]);
    expect(server.stats()).toMatchObject({ heldTerminals: 0, orphanedTerminals: 0 });
  }, 60_000);

  it('releases an HTTP session’s terminals at once: 7 cycles fit in 5', async () => {
    const orch = testOrchestrator({ maxTerminals: 5 });
    const { url, server } = await startHttp({ orchestrator: orch });
    for (let cycle = 0; cycle < 7; cycle++) {
      const client = await OrchflowClient.http(url, { token: TOKENS.admin });
      await client.spawnTerminal(`cycle-${cycle}`);
      await client.close();
    }
    expect(orch.listTerminals({ state: 'running' })).toEqual([]);
    expect(server.stats()).toMatchObject({ orphanedTerminals: 0 });
  }, 60_000);

  it('is told apart from a drop, which keeps the terminals for the grace period', async () => {
    const orch = testOrchestrator({ maxTerminals: 5 });
    const { url, server } = await startWs({ orchestrator: orch });
    const { client, drop } = await droppableClient(url, TOKENS.admin);
    const kept = await client.spawnTerminal('dropped');
    drop();
    await until(() => server.stats().orphanedTerminals === 1);
    const clean = await connectWebSocket(url, { token: TOKENS.admin, reconnect: false });
    await clean.spawnTerminal('closed');
    await clean.close();
    expect(orch.listTerminals({ state: 'running' }).map((t) => t.id)).toEqual([kept.id]);
  }, 60_000);
});
