// An aborted execute() waits (bounded by `cancelWaitMs`) for the server's answer to its
// cancellation, for the partial result; against a scripted server peer that answers the abort
// as told, late or never. The real thing over every transport is in the conformance suite.
import {
  DirectChannel,
  ErrorCode,
  type ExecResult,
  Methods,
  OrchflowError,
  RpcPeer,
} from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { EXECUTE_CANCEL_WAIT_MS, OrchflowClient } from '../src/index';
import { execResult, handshake, terminalInfo } from './stub-peer';

const PARTIAL: ExecResult = execResult({ stdout: 'half\n', exitCode: 130, signal: 'SIGINT', durationMs: 5 });

/** What the stub server does once the execute it serves is aborted: answer `answer()` after `delayMs`, or never. */
async function connect(onAbort: { delayMs: number; answer: () => unknown } | 'never') {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const server = new RpcPeer(serverEnd, { methods: Methods });
  server.onRequest('initialize', Methods.initialize.params, () =>
    handshake({ features: ['subscriptions', 'cancellation'] }),
  );
  server.onRequest('terminal.spawn', Methods['terminal.spawn'].params, () => terminalInfo());
  let running!: () => void;
  const started = new Promise<void>((resolve) => {
    running = resolve;
  });
  server.onRequest('terminal.execute', Methods['terminal.execute'].params, (_params, context) => {
    running();
    return new Promise<ExecResult>((resolve, reject) => {
      if (onAbort === 'never') return;
      context.signal.addEventListener('abort', () => {
        setTimeout(() => {
          try {
            resolve(onAbort.answer() as ExecResult);
          } catch (error) {
            reject(error);
          }
        }, onAbort.delayMs);
      });
    });
  });
  server.start();
  const client = await OrchflowClient.fromChannel(clientEnd);
  onTestFinished(async () => {
    await client.close();
    await server.close();
  });
  const terminal = await client.spawnTerminal('a');
  return { terminal, started };
}

const interrupted = () => {
  throw new OrchflowError(ErrorCode.Cancelled, 'Command was cancelled and interrupted', { result: PARTIAL });
};

async function abortedExecute(
  onAbort: Parameters<typeof connect>[0],
  cancelWaitMs?: number,
): Promise<{ error: OrchflowError; waitedMs: number }> {
  const { terminal, started } = await connect(onAbort);
  const controller = new AbortController();
  const running = terminal.execute('long', {
    signal: controller.signal,
    ...(cancelWaitMs === undefined ? {} : { cancelWaitMs }),
  });
  await started;
  const abortedAt = performance.now();
  controller.abort();
  const error = (await running.catch((e: unknown) => e)) as OrchflowError;
  return { error, waitedMs: performance.now() - abortedAt };
}

it('waits by default for the server to answer, and rejects with its partial result', async () => {
  expect(EXECUTE_CANCEL_WAIT_MS).toBe(5_000);
  const { error, waitedMs } = await abortedExecute({ delayMs: 300, answer: interrupted });
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toEqual({ result: PARTIAL });
  expect(waitedMs).toBeGreaterThanOrEqual(250);
});

it('puts the whole result in data.result when the command finished before the abort reached it', async () => {
  const done = { ...PARTIAL, stdout: 'all\n', exitCode: 0, signal: null };
  const { error } = await abortedExecute({ delayMs: 0, answer: () => done });
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toEqual({ result: done });
});

it('rejects at once, without data, with cancelWaitMs: 0', async () => {
  const { error, waitedMs } = await abortedExecute({ delayMs: 300, answer: interrupted }, 0);
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toBeUndefined();
  expect(waitedMs).toBeLessThan(250);
});

it('gives up after cancelWaitMs with a plain Cancelled when the server does not answer', async () => {
  const { error, waitedMs } = await abortedExecute('never', 100);
  expect(error.code).toBe(ErrorCode.Cancelled);
  expect(error.data).toBeUndefined();
  expect(waitedMs).toBeGreaterThanOrEqual(90);
  expect(waitedMs).toBeLessThan(2_000);
});
