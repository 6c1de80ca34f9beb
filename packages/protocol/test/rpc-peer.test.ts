import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { DirectChannel } from '../src/direct-channel';
import { ErrorCode, isOrchflowError, OrchflowError } from '../src/errors';
import type { MethodMap } from '../src/rpc/method-map';
import { RpcPeer } from '../src/rpc/rpc-peer';

const AddParams = z.object({ a: z.number(), b: z.number() }).strict();

function connect<M extends MethodMap = MethodMap>(options: { methods?: M } = {}) {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const errors: Error[] = [];
  const client = new RpcPeer<M>(clientEnd, { ...options, onError: (e) => errors.push(e) });
  const server = new RpcPeer(serverEnd, { onError: (e) => errors.push(e) });
  return { client, server, errors };
}

async function rejection(promise: Promise<unknown>): Promise<OrchflowError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error)).toBe(true);
  return error as OrchflowError;
}

describe('RpcPeer requests', () => {
  it('answers a request with the handler result', async () => {
    const { client, server } = connect();
    server.onRequest('math.add', AddParams, ({ a, b }) => a + b);
    server.start();
    await expect(client.request('math.add', { a: 2, b: 3 })).resolves.toBe(5);
    expect(client.pendingCount).toBe(0);
    expect(server.inFlightCount).toBe(0);
  });

  it('carries an OrchflowError across with code, message and data', async () => {
    const { client, server } = connect();
    server.onRequest('terminal.kill', z.object({ terminalId: z.string() }), ({ terminalId }) => {
      throw new OrchflowError(ErrorCode.TerminalNotFound, `No terminal '${terminalId}'`, { terminalId });
    });
    server.start();
    const error = await rejection(client.request('terminal.kill', { terminalId: 't9' }));
    expect(error.code).toBe(ErrorCode.TerminalNotFound);
    expect(error.codeName).toBe('TerminalNotFound');
    expect(error.message).toBe("No terminal 't9'");
    expect(error.data).toEqual({ terminalId: 't9' });
  });

  it('answers invalid params with -32602, naming the first bad field, with the zod issues', async () => {
    const { client, server } = connect();
    let called = false;
    server.onRequest('math.add', AddParams, () => {
      called = true;
      return 0;
    });
    server.start();
    const error = await rejection(client.request('math.add', { a: 1, b: 'two' }));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toContain("'math.add'");
    expect(error.message).toContain('params.b');
    const issues = (error.data as { issues: { path: unknown[] }[] }).issues;
    expect(issues[0]?.path).toEqual(['b']);
    expect(called).toBe(false);
  });

  it('answers an unknown method with -32601 naming it', async () => {
    const { client, server } = connect();
    server.start();
    const error = await rejection(client.request('no.such.method', {}));
    expect(error.code).toBe(ErrorCode.MethodNotFound);
    expect(error.message).toContain("'no.such.method'");
  });

  it('turns a plain thrown Error into -32603 keeping its message with an error id, and reports it locally', async () => {
    const { client, server, errors } = connect();
    server.onRequest('boom', z.undefined(), async () => {
      throw new TypeError('disk on fire');
    });
    server.start();
    const error = await rejection(client.request('boom'));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toBe('disk on fire');
    expect(error.data).toEqual({ errorId: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const report = errors.find((e) => (e.cause as Error | undefined)?.message === 'disk on fire');
    expect((report as OrchflowError | undefined)?.data).toMatchObject(error.data as object);
  });

  it('rejects a result that fails resultSchema with InternalError carrying the issues', async () => {
    const { client, server } = connect();
    server.onRequest('info', z.undefined(), () => ({ version: 3 }));
    server.start();
    const resultSchema = z.object({ version: z.string() });
    const error = await rejection(client.request('info', undefined, { resultSchema }));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain('result.version');
    expect((error.data as { issues: unknown[] }).issues).toHaveLength(1);
    server.onRequest('info2', z.undefined(), () => ({ version: '1.0', extra: true }));
    const parsed = client.request('info2', undefined, { resultSchema });
    expectTypeOf(parsed).toEqualTypeOf<Promise<{ version: string }>>();
    await expect(parsed).resolves.toEqual({ version: '1.0' });
  });

  it('types and validates results through a method map', async () => {
    const methods = {
      'math.add': { params: AddParams, result: z.number() },
      'math.neg': { params: z.object({ x: z.number() }), result: z.number() },
    };
    const { client, server } = connect({ methods });
    server.onRequest('math.add', AddParams, ({ a, b }) => a + b);
    server.onRequest('math.neg', z.object({ x: z.number() }), ({ x }) => String(-x));
    server.start();
    const sum = client.request('math.add', { a: 1, b: 2 });
    expectTypeOf(sum).toEqualTypeOf<Promise<number>>();
    expect(await sum).toBe(3);
    const error = await rejection(client.request('math.neg', { x: 1 }));
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toContain("'math.neg'");
  });

  it('strips _meta before validating, also for methods without params', async () => {
    const { client, server } = connect();
    server.onRequest('strict', AddParams, ({ a, b }) => a * b);
    server.onRequest('noParams', z.undefined(), () => 'ok');
    server.start();
    const progress = () => undefined;
    await expect(client.request('strict', { a: 4, b: 5 }, { onProgress: progress })).resolves.toBe(20);
    await expect(client.request('noParams', undefined, { onProgress: progress })).resolves.toBe('ok');
  });

  it('treats omitted params as {} for a method whose params are all optional', async () => {
    const { client, server } = connect();
    const Optional = z.object({ limit: z.number().optional() }).strict();
    server.onRequest('list', Optional, (p) => p);
    server.onRequest('strict', AddParams, ({ a, b }) => a * b);
    server.start();
    await expect(client.request('list')).resolves.toEqual({});
    await expect(client.request('list', undefined, { onProgress: () => undefined })).resolves.toEqual({});
    // Required params stay required: omitting them is still InvalidParams.
    expect((await rejection(client.request('strict'))).code).toBe(ErrorCode.InvalidParams);
  });

  it('serves unregistered methods through onUnhandledRequest', async () => {
    const [a, b] = DirectChannel.pair();
    const client = new RpcPeer(a);
    const server = new RpcPeer(b, {
      onUnhandledRequest: (method, params) => {
        if (method.startsWith('echo.')) return { method, params };
        throw new OrchflowError(ErrorCode.MethodNotFound, `No '${method}' here`);
      },
    }).start();
    await expect(client.request('echo.x', { n: 1 })).resolves.toEqual({ method: 'echo.x', params: { n: 1 } });
    expect((await rejection(client.request('other'))).code).toBe(ErrorCode.MethodNotFound);
    await server.close();
  });

  it('delivers notifications and reports invalid or unknown ones to onError', async () => {
    const { client, server, errors } = connect();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      server.onNotification('log', z.object({ line: z.string() }), ({ line }) => {
        seen.push(line);
        if (line === 'last') resolve();
      });
    });
    server.start();
    await client.notify('log', { line: 'first' });
    await client.notify('log', { line: 42 });
    await client.notify('mystery', {});
    await client.notify('log', { line: 'last' });
    await done;
    expect(seen).toEqual(['first', 'last']);
    const codes = errors.filter(isOrchflowError).map((e) => e.code);
    expect(codes).toEqual([ErrorCode.InvalidParams, ErrorCode.MethodNotFound]);
  });

  it('answers $/ping and refuses a second handler for the same method', async () => {
    const { client, server } = connect();
    server.onRequest('x', z.undefined(), () => 1);
    expect(() => server.onRequest('x', z.undefined(), () => 2)).toThrow(/already registered/);
    server.start();
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('rejects params that JSON-RPC cannot carry, without sending', async () => {
    const { client } = connect();
    const error = await rejection(client.request('x', 5 as never));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    await expect(client.request('x', undefined, { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
  });

  it('resolves 1000 concurrent requests with their own results', async () => {
    const { client, server } = connect();
    server.onRequest('square', z.object({ n: z.number().int() }), async ({ n }) => {
      // Finish out of order so correlation, not arrival order, has to match them up.
      for (let i = 0; i < n % 7; i++) await new Promise((resolve) => setImmediate(resolve));
      return n * n;
    });
    server.start();
    const ns = Array.from({ length: 1000 }, (_, i) => i);
    const results = await Promise.all(ns.map((n) => client.request('square', { n })));
    expect(results).toEqual(ns.map((n) => n * n));
    expect(client.pendingCount).toBe(0);
  });
});
