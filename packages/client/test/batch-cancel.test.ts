// An aborted batchExecute() / commit() sends `$/cancelRequest` and waits (bounded by
// `cancelWaitMs`) for the server's Cancelled with the results so far. The whole path over every
// transport is in the conformance suite (packages/conformance/src/batch.ts); here: the bounds of
// the wait against a real in-process server, and the client's own handling against a scripted
// server peer (a batch that finished before the cancellation reached the server, a server
// without cancellation).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BatchItemResult,
  DirectChannel,
  ErrorCode,
  isOrchflowError,
  Methods,
  type OrchflowError,
  RpcPeer,
} from '@orchflow/protocol';
import { afterEach, beforeEach, expect, it, onTestFinished } from 'vitest';
import { OrchflowClient } from '../src/index';
import { directClient } from './direct-fixture';
import { execResult, handshake } from './stub-peer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-client-batch-cancel-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<OrchflowError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!isOrchflowError(error)) throw error;
  return error;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('rejects at once with a plain Cancelled with cancelWaitMs: 0; the server still stops the batch', async () => {
  const { client } = await directClient();
  const terminal = await client.spawnTerminal('batch-cancel');
  const [ready, later] = [join(dir, 'ready'), join(dir, 'later')];
  const abort = new AbortController();
  const running = client.batchExecute(
    [
      { terminalId: terminal.id, command: `touch ${ready}; sleep 30` },
      { terminalId: terminal.id, command: `touch ${later}` },
    ],
    { signal: abort.signal, cancelWaitMs: 0 },
  );
  running.catch(() => undefined);
  await until(() => existsSync(ready), 'the first command to run');
  const abortedAt = performance.now();
  abort.abort();
  const error = await rejection(running);
  expect(performance.now() - abortedAt).toBeLessThan(250);
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toBeUndefined();
  // The server interrupted the sleep and started nothing more: the terminal answers at once.
  expect((await terminal.execute('echo next')).stdout).toBe('next\n');
  expect(existsSync(later)).toBe(false);
});

it('gives up after cancelWaitMs with a plain Cancelled while the server is still interrupting', async () => {
  const { client } = await directClient();
  const terminal = await client.spawnTerminal('batch-cancel');
  const ready = join(dir, 'ready');
  const tx = await client.transaction();
  // Ignores SIGINT: the server's interrupt needs its SIGKILL, 2 s later.
  tx.add(terminal.id, `sh -c 'trap "" INT; touch ${ready}; sleep 30'`);
  const abort = new AbortController();
  const running = tx.commit([], { signal: abort.signal, cancelWaitMs: 300 });
  running.catch(() => undefined);
  await until(() => existsSync(ready), 'the command to run');
  const abortedAt = performance.now();
  abort.abort();
  const error = await rejection(running);
  const waitedMs = performance.now() - abortedAt;
  expect(waitedMs).toBeGreaterThanOrEqual(250);
  expect(waitedMs).toBeLessThan(1_500);
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toBeUndefined();
  expect((await terminal.execute('echo next')).stdout).toBe('next\n');
});

it('refuses a misspelt abort option before sending anything', async () => {
  const { client } = await directClient();
  const terminal = await client.spawnTerminal('batch-cancel');
  const signl = new AbortController().signal;
  const error = await rejection(
    client.batchExecute([{ terminalId: terminal.id, command: 'true' }], { signl } as never),
  );
  expect(error.code).toBe(ErrorCode.InvalidParams);
  expect(error.message).toMatch(/'signl' in batch options \(did you mean 'signal'\?\)/);
  const tx = await client.transaction();
  const commit = await rejection(tx.commit([], { cancelWait: 5 } as never));
  expect(commit.message).toMatch(/'cancelWait' in commit options \(did you mean 'cancelWaitMs'\?\)/);
});

const DONE: BatchItemResult[] = [{ ok: true, terminalId: 't1', result: execResult({ stdout: 'all\n' }) }];

/**
 * A scripted server listing `features` whose batch and commit answer `DONE` once aborted (they had
 * finished when the cancellation reached them); `calls` lists the methods it was sent.
 */
async function scripted(features: string[]) {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const server = new RpcPeer(serverEnd, { methods: Methods });
  const calls: string[] = [];
  server.onRequest('initialize', Methods.initialize.params, () => handshake({ features }));
  server.onRequest('tx.begin', Methods['tx.begin'].params, () => ({ txId: 'tx1' }));
  const finishedOnAbort =
    (method: string, answer: () => unknown) => (_params: unknown, context: { signal: AbortSignal }) => {
      calls.push(method);
      return new Promise<never>((resolve) => {
        context.signal.addEventListener('abort', () => resolve(answer() as never));
      });
    };
  server.onRequest(
    'terminal.batchExecute',
    Methods['terminal.batchExecute'].params,
    finishedOnAbort('terminal.batchExecute', () => ({ results: DONE })),
  );
  server.onRequest(
    'tx.commit',
    Methods['tx.commit'].params,
    finishedOnAbort('tx.commit', () => ({ txId: 'tx1', results: DONE })),
  );
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  return { client, calls };
}

it('puts the whole results in data.results when the batch finished before the abort reached it', async () => {
  const { client } = await scripted(['batchExecute', 'transactions', 'cancellation']);
  for (const call of [
    (signal: AbortSignal) => client.batchExecute([{ terminalId: 't1', command: 'true' }], { signal }),
    async (signal: AbortSignal) =>
      (await client.transaction()).commit([{ terminalId: 't1', command: 'true' }], { signal }),
  ]) {
    const abort = new AbortController();
    const running = call(abort.signal);
    running.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    const error = await rejection(running);
    expect(error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toEqual({ results: DONE });
  }
});

it('refuses a signal when the server offers no cancellation, sending nothing', async () => {
  const { client, calls } = await scripted(['batchExecute', 'transactions']);
  const signal = new AbortController().signal;
  const batch = await rejection(client.batchExecute([{ terminalId: 't1', command: 'true' }], { signal }));
  expect(batch.code).toBe(ErrorCode.Unsupported);
  expect(batch.data).toMatchObject({ feature: 'cancellation' });
  expect(batch.message).toContain('batchExecute() with a signal');
  const tx = await client.transaction();
  const commit = await rejection(tx.commit([{ terminalId: 't1', command: 'true' }], { signal }));
  expect(commit.code).toBe(ErrorCode.Unsupported);
  expect(commit.message).toContain('commit() with a signal');
  expect(calls).toEqual([]);
});
