import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DirectChannel } from '../src/direct-channel';
import {
  ChannelClosedError,
  ErrorCode,
  isOrchflowError,
  isOrchflowLocalError,
  type OrchflowError,
} from '../src/errors';
import type { JsonRpcMessage } from '../src/jsonrpc';
import { RpcPeer } from '../src/rpc/rpc-peer';

/** A handler that never answers on its own and tells the test when its signal aborts. */
function parkedHandler() {
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const aborted: unknown[] = [];
  let onAbort!: () => void;
  const abortSeen = new Promise<void>((resolve) => {
    onAbort = resolve;
  });
  const handler = (_params: unknown, ctx: { signal: AbortSignal }) =>
    new Promise<never>((_resolve, reject) => {
      started();
      ctx.signal.addEventListener('abort', () => {
        aborted.push(ctx.signal.reason);
        onAbort();
        reject(ctx.signal.reason);
      });
    });
  return { handler, running, aborted, abortSeen };
}

function connect() {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const clientErrors: Error[] = [];
  const client = new RpcPeer(clientEnd, { onError: (e) => clientErrors.push(e) });
  const server = new RpcPeer(serverEnd);
  return { client, server, clientErrors, clientEnd, serverEnd };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.useRealTimers();
});

describe('RpcPeer timeouts and cancellation', () => {
  it('times out with RequestTimeoutError, sends $/cancelRequest and aborts the handler', async () => {
    const { client, server } = connect();
    const parked = parkedHandler();
    server.onRequest('slow', z.undefined(), parked.handler);
    server.start();
    const error = await client.request('slow', undefined, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.Timeout);
    expect((error as Error).name).toBe('RequestTimeoutError');
    await parked.abortSeen;
    const reason = parked.aborted[0];
    expect(isOrchflowError(reason) && reason.code).toBe(ErrorCode.Cancelled);
    await client.ping();
    expect(server.inFlightCount).toBe(0);
    expect(client.pendingCount).toBe(0);
  });

  it('puts $/cancelRequest with the id on the wire after a timeout', async () => {
    const [peerEnd, raw] = DirectChannel.pair();
    const client = new RpcPeer(peerEnd);
    const result = client.request('slow', { n: 1 }, { timeoutMs: 20 });
    const request = (await raw.receive()) as { id: number; method: string };
    expect(request.method).toBe('slow');
    await expect(result).rejects.toMatchObject({ code: ErrorCode.Timeout, method: 'slow', timeoutMs: 20 });
    expect(await raw.receive()).toEqual({
      jsonrpc: '2.0',
      method: '$/cancelRequest',
      params: { id: request.id },
    });
  });

  it('disables the timeout with 0 or Infinity', async () => {
    vi.useFakeTimers();
    const { client, server } = connect();
    let release!: (value: string) => void;
    server.onRequest('wait', z.undefined(), () => new Promise<string>((resolve) => (release = resolve)));
    server.start();
    const zero = client.request('wait', undefined, { timeoutMs: 0 });
    await vi.advanceTimersByTimeAsync(1000 * 60 * 60);
    release('zero');
    await expect(zero).resolves.toBe('zero');
    const infinite = client.request('wait', undefined, { timeoutMs: Number.POSITIVE_INFINITY });
    await vi.advanceTimersByTimeAsync(1000 * 60 * 60);
    release('infinite');
    await expect(infinite).resolves.toBe('infinite');
  });

  it('cancels through an AbortSignal on both sides, without late-response noise', async () => {
    const { client, server, clientErrors } = connect();
    const parked = parkedHandler();
    server.onRequest('slow', z.undefined(), parked.handler);
    server.start();
    const controller = new AbortController();
    const result = client.request('slow', undefined, { signal: controller.signal });
    await parked.running;
    const reason = new Error('user pressed ctrl-c');
    controller.abort(reason);
    const error = (await result.catch((e: unknown) => e)) as OrchflowError;
    expect(isOrchflowError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.Cancelled);
    expect(error.message).toContain('user pressed ctrl-c');
    expect(error.cause).toBe(reason);
    await parked.abortSeen;
    await client.ping(); // the server's late Cancelled response has been processed by now
    expect(clientErrors).toEqual([]);
    expect(server.inFlightCount).toBe(0);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const [peerEnd, raw] = DirectChannel.pair();
    const client = new RpcPeer(peerEnd);
    const error = await client
      .request('x', {}, { signal: AbortSignal.abort('nope') })
      .catch((e: unknown) => e);
    expect((error as OrchflowError).code).toBe(ErrorCode.Cancelled);
    await client.notify('marker');
    expect(await raw.receive()).toMatchObject({ method: 'marker' });
  });

  it('answers Cancelled for a cancelled request unless it already finished', async () => {
    const [peerEnd, raw] = DirectChannel.pair();
    const server = new RpcPeer(peerEnd);
    const parked = parkedHandler();
    server.onRequest('slow', z.undefined(), parked.handler);
    server.onRequest('fast', z.undefined(), () => 'done');
    server.start();
    await raw.send({ jsonrpc: '2.0', id: 'a', method: 'slow' });
    await parked.running;
    await raw.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'a' } });
    expect(await raw.receive()).toMatchObject({ id: 'a', error: { code: ErrorCode.Cancelled } });
    await raw.send({ jsonrpc: '2.0', id: 'b', method: 'fast' });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 'b', result: 'done' });
    await raw.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'b' } });
    await raw.send({ jsonrpc: '2.0', id: 'c', method: '$/ping' });
    expect(await raw.receive()).toEqual({
      jsonrpc: '2.0',
      id: 'c',
      result: { pong: true, time: expect.any(Number) },
    });
  });
});

describe('RpcPeer progress', () => {
  it('routes $/progress to onProgress before the result arrives', async () => {
    const { client, server } = connect();
    server.onRequest('job', z.object({ steps: z.number() }), ({ steps }, ctx) => {
      for (let i = 1; i <= steps; i++) ctx.reportProgress({ done: i, of: steps });
      return ctx.progressToken !== undefined;
    });
    server.start();
    const seen: unknown[] = [];
    const hadToken = await client.request('job', { steps: 3 }, { onProgress: (v) => seen.push(v) });
    expect(hadToken).toBe(true);
    expect(seen).toEqual([
      { done: 1, of: 3 },
      { done: 2, of: 3 },
      { done: 3, of: 3 },
    ]);
  });

  it('sends no progress when the caller gave no token', async () => {
    const [peerEnd, raw] = DirectChannel.pair();
    const server = new RpcPeer(peerEnd);
    server.onRequest('job', z.undefined(), (_p, ctx) => {
      ctx.reportProgress('ignored');
      return 1;
    });
    server.start();
    await raw.send({ jsonrpc: '2.0', id: 1, method: 'job' });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 1, result: 1 });
    await raw.send({ jsonrpc: '2.0', id: 2, method: 'job', params: { _meta: { progressToken: 'tok' } } });
    expect(await raw.receive()).toEqual({
      jsonrpc: '2.0',
      method: '$/progress',
      params: { token: 'tok', value: 'ignored' },
    });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 2, result: 1 });
  });

  it('restarts the timeout on progress only with resetTimeoutOnProgress', async () => {
    vi.useFakeTimers();
    const { client, server } = connect();
    server.onRequest('job', z.undefined(), async (_p, ctx) => {
      for (let i = 0; i < 5; i++) {
        await sleep(100);
        ctx.reportProgress(i);
      }
      return 'finished';
    });
    server.start();
    const onProgress = () => undefined;
    const kept = client.request('job', undefined, {
      timeoutMs: 150,
      onProgress,
      resetTimeoutOnProgress: true,
    });
    const dropped = client.request('job', undefined, { timeoutMs: 150, onProgress }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(600);
    await expect(kept).resolves.toBe('finished');
    expect(await dropped).toMatchObject({ code: ErrorCode.Timeout });
  });
});

describe('RpcPeer lifecycle', () => {
  it('rejects every pending request with ChannelClosedError and aborts handlers when the channel closes', async () => {
    const { client, server, serverEnd } = connect();
    const parked = parkedHandler();
    server.onRequest('slow', z.undefined(), parked.handler);
    server.start();
    const results = [1, 2, 3].map(() => client.request('slow').catch((e: unknown) => e));
    await parked.running;
    await serverEnd.close();
    for (const error of await Promise.all(results)) expect(error).toBeInstanceOf(ChannelClosedError);
    await parked.abortSeen;
    expect(parked.aborted.every((r) => r instanceof ChannelClosedError)).toBe(true);
    await client.closed;
    await server.closed;
    expect(client.isClosed).toBe(true);
    await expect(client.request('slow')).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(client.notify('x')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('calls onClose once and tolerates a handler answering after the close', async () => {
    const [clientEnd, serverEnd] = DirectChannel.pair();
    const closeReasons: Error[] = [];
    const server = new RpcPeer(serverEnd, { onClose: (r) => closeReasons.push(r) });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let answered!: () => void;
    const handlerDone = new Promise<void>((resolve) => (answered = resolve));
    server.onRequest('late', z.undefined(), async () => {
      await gate;
      answered();
      return 'too late';
    });
    server.start();
    const client = new RpcPeer(clientEnd);
    const result = client.request('late').catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.inFlightCount).toBe(1));
    await client.close();
    expect(await result).toBeInstanceOf(ChannelClosedError);
    await server.closed;
    release();
    await handlerDone;
    await server.close();
    expect(closeReasons).toHaveLength(1);
    expect(closeReasons[0]).toBeInstanceOf(ChannelClosedError);
  });

  it('keeps answering after a handler error and across many messages', async () => {
    const { client, server } = connect();
    server.onRequest('maybe', z.object({ fail: z.boolean() }), ({ fail }) => {
      if (fail) throw new Error('asked to fail');
      return 'ok';
    });
    server.start();
    for (let i = 0; i < 20; i++) {
      const fail = i % 2 === 0;
      const outcome = await client.request('maybe', { fail }).catch((e: unknown) => e);
      if (fail) expect(outcome).toMatchObject({ code: ErrorCode.InternalError });
      else expect(outcome).toBe('ok');
    }
  });

  it('matches responses by id and ignores strays', async () => {
    const [peerEnd, raw] = DirectChannel.pair();
    const client = new RpcPeer(peerEnd);
    const result = client.request('x', { n: 1 });
    const request = (await raw.receive()) as JsonRpcMessage & { id: number };
    await raw.send({ jsonrpc: '2.0', id: request.id + 1000, result: 'stray' });
    await raw.send({ jsonrpc: '2.0', id: request.id, result: 'mine' });
    await expect(result).resolves.toBe('mine');
  });
});
