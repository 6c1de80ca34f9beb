// How a cancelled request is answered, and what a caller that waits for that answer
// (`cancelWaitMs`) sees: the other side's Cancelled with its data (a command's partial result),
// a result that beat the cancellation as `data.result`, or its own Cancelled when nothing useful
// comes in time or the connection ends. Callers that do not opt in keep rejecting at once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DirectChannel } from '../src/direct-channel';
import { ErrorCode, isOrchflowError, OrchflowError } from '../src/errors';
import { RpcPeer } from '../src/rpc/rpc-peer';

const PARTIAL = { stdout: 'printed before the interrupt\n', exitCode: 130 };

/** A handler that runs until aborted, then (after `delayMs`) answers what `onAbort` says. */
function interruptible(onAbort: () => unknown, delayMs = 0) {
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const handler = (_params: unknown, ctx: { signal: AbortSignal }) =>
    new Promise((resolve, reject) => {
      started();
      ctx.signal.addEventListener('abort', () => {
        setTimeout(() => {
          try {
            resolve(onAbort());
          } catch (error) {
            reject(error);
          }
        }, delayMs);
      });
    });
  return { handler, running };
}

function partialCancelled(): never {
  throw new OrchflowError(ErrorCode.Cancelled, 'Command was cancelled and interrupted', { result: PARTIAL });
}

function connect() {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const clientErrors: Error[] = [];
  const serverErrors: Error[] = [];
  const client = new RpcPeer(clientEnd, { onError: (e) => clientErrors.push(e) });
  const server = new RpcPeer(serverEnd, { onError: (e) => serverErrors.push(e) });
  return { client, server, clientErrors, serverErrors };
}

/** A request with `options` sent to a raw channel end the test answers by hand. */
async function rawRequest(options: { cancelWaitMs?: number; timeoutMs?: number } = {}) {
  const [peerEnd, raw] = DirectChannel.pair();
  const errors: Error[] = [];
  const client = new RpcPeer(peerEnd, { onError: (e) => errors.push(e) });
  const controller = new AbortController();
  const result = client.request('run', {}, { signal: controller.signal, ...options });
  const { id } = (await raw.receive()) as { id: number };
  const answer = (error: { code: number; message: string; data?: unknown }) =>
    raw.send({ jsonrpc: '2.0', id, error });
  return { client, raw, errors, controller, result, id, answer };
}

afterEach(() => {
  vi.useRealTimers();
});

/** Serves `run` with `handler` on a raw channel, sends request 1 and cancels it once it runs. */
async function cancelOnServer(handler: ReturnType<typeof interruptible>) {
  const [peerEnd, raw] = DirectChannel.pair();
  const errors: Error[] = [];
  const server = new RpcPeer(peerEnd, { onError: (e) => errors.push(e) });
  server.onRequest('run', z.undefined(), handler.handler);
  server.start();
  await raw.send({ jsonrpc: '2.0', id: 1, method: 'run' });
  await handler.running;
  await raw.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } });
  return { server, errors, answer: await raw.receive() };
}

describe('answering $/cancelRequest', () => {
  it("answers with the handler's own Cancelled, data included, once the handler has stopped", async () => {
    const { server, answer } = await cancelOnServer(interruptible(partialCancelled, 20));
    expect(answer).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: ErrorCode.Cancelled,
        message: 'Command was cancelled and interrupted',
        data: { result: PARTIAL },
      },
    });
    expect(server.inFlightCount).toBe(0);
  });

  it('answers with the result of a handler that completes anyway', async () => {
    const { answer } = await cancelOnServer(interruptible(() => 'done anyway'));
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, result: 'done anyway' });
  });

  it('answers a bare Cancelled, reporting nothing, when the aborted handler fails some other way', async () => {
    const { errors, answer } = await cancelOnServer(
      interruptible(() => {
        throw new DOMException('This operation was aborted', 'AbortError');
      }),
    );
    expect(answer).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: ErrorCode.Cancelled, message: "Request 'run' was cancelled by the caller" },
    });
    expect(errors).toEqual([]);
  });
});

describe('RequestOptions.cancelWaitMs', () => {
  it("rejects an aborted request with the other side's Cancelled data once it answers", async () => {
    const { client, server, clientErrors } = connect();
    const work = interruptible(partialCancelled, 50);
    server.onRequest('run', z.undefined(), work.handler);
    server.start();
    const controller = new AbortController();
    const result = client.request('run', undefined, { signal: controller.signal, cancelWaitMs: 5_000 });
    await work.running;
    const reason = new Error('user pressed ctrl-c');
    controller.abort(reason);
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toEqual({ result: PARTIAL });
    expect(error.message).toContain('user pressed ctrl-c');
    expect(error.message).toContain('Command was cancelled and interrupted');
    expect(error.cause).toBe(reason);
    expect(client.pendingCount).toBe(0);
    expect(clientErrors).toEqual([]);
  });

  it('sends $/cancelRequest at once, before the answer comes', async () => {
    const { raw, controller, result, id, answer } = await rawRequest({ cancelWaitMs: 5_000 });
    controller.abort();
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } });
    await answer({ code: ErrorCode.Cancelled, message: 'x', data: 7 });
    await expect(result).rejects.toMatchObject({ code: ErrorCode.Cancelled, data: 7 });
  });

  it('puts a result that beat the cancellation in data.result, still rejecting with Cancelled', async () => {
    const { client, server } = connect();
    server.onRequest('run', z.undefined(), interruptible(() => ({ exitCode: 0 }), 10).handler);
    server.start();
    const controller = new AbortController();
    const result = client.request('run', undefined, { signal: controller.signal, cancelWaitMs: 5_000 });
    await client.ping();
    controller.abort();
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toEqual({ result: { exitCode: 0 } });
  });

  it('gives up with its own Cancelled, no data, when no answer comes within cancelWaitMs', async () => {
    const { client, errors, controller, result, answer } = await rawRequest({ cancelWaitMs: 50 });
    const started = performance.now();
    controller.abort('stop');
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toBeUndefined();
    expect(error.message).toContain('stop');
    expect(client.pendingCount).toBe(0);
    // The answer that comes later is expected, not news.
    await answer({ code: ErrorCode.Cancelled, message: 'late' });
    await client.notify('marker');
    expect(errors).toEqual([]);
  });

  it('rejects with its own Cancelled when the other side answers some other failure', async () => {
    const { controller, result, answer } = await rawRequest({ cancelWaitMs: 5_000 });
    controller.abort();
    await answer({ code: ErrorCode.Timeout, message: 'slow' });
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toBeUndefined();
  });

  it('rejects with its own Cancelled when the connection closes during the wait', async () => {
    const { raw, controller, result } = await rawRequest({ cancelWaitMs: 5_000 });
    controller.abort();
    await raw.close();
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    expect(error.data).toBeUndefined();
  });

  it('no longer applies the request timeout once aborted: cancelWaitMs bounds the wait', async () => {
    vi.useFakeTimers();
    const { controller, result, answer } = await rawRequest({ timeoutMs: 100, cancelWaitMs: 1_000 });
    const settled = vi.fn();
    result.then(settled, settled);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    await vi.advanceTimersByTimeAsync(500);
    expect(settled).not.toHaveBeenCalled();
    await answer({ code: ErrorCode.Cancelled, message: 'x', data: 1 });
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).rejects.toMatchObject({ code: ErrorCode.Cancelled, data: 1 });
  });

  it('keeps rejecting at once without cancelWaitMs', async () => {
    const { controller, result } = await rawRequest();
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: ErrorCode.Cancelled, data: undefined });
  });

  it('refuses a negative cancelWaitMs before sending anything', async () => {
    const client = new RpcPeer(DirectChannel.pair()[0]);
    await expect(client.request('run', {}, { cancelWaitMs: -1 })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
    });
  });
});
