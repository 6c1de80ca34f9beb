import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { IpcChannel } from '../src/channel';
import { DirectChannel } from '../src/direct-channel';
import { ErrorCode, type OrchflowError } from '../src/errors';
import { type JsonRpcMessage, type JsonRpcResponse, JsonRpcResponseSchema } from '../src/jsonrpc';
import { MAX_BATCH_MESSAGES } from '../src/rpc/options';
import { RpcPeer } from '../src/rpc/rpc-peer';

/** Counts the batches a peer sends, to prove requestBatch uses one message. */
class BatchCountingChannel implements IpcChannel {
  batches = 0;
  constructor(private readonly inner: IpcChannel) {}
  get closed(): boolean {
    return this.inner.closed;
  }
  send(message: JsonRpcMessage): Promise<void> {
    if (Array.isArray(message)) this.batches++;
    return this.inner.send(message);
  }
  receive(): Promise<JsonRpcMessage> {
    return this.inner.receive();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inner[Symbol.asyncIterator]();
  }
}

function rawServer() {
  const [peerEnd, raw] = DirectChannel.pair();
  const notes: number[] = [];
  const reported: Error[] = [];
  const server = new RpcPeer(peerEnd, { onError: (error) => reported.push(error) });
  server.onRequest('double', z.object({ n: z.number() }), async ({ n }) => {
    // Answer later than the following requests so the batch must wait for every slot.
    await new Promise((resolve) => setImmediate(resolve));
    return n * 2;
  });
  server.onRequest('now', z.undefined(), () => 'now');
  server.onNotification('note', z.object({ n: z.number() }), ({ n }) => {
    notes.push(n);
  });
  server.start();
  return { server, raw, notes, reported };
}

describe('RpcPeer batches', () => {
  it('answers a mixed batch with one array holding a response per request', async () => {
    const { raw, notes } = rawServer();
    await raw.send([
      { jsonrpc: '2.0', id: 1, method: 'double', params: { n: 21 } },
      { jsonrpc: '2.0', method: 'note', params: { n: 7 } },
      { jsonrpc: '2.0', id: 'two', method: 'now' },
      { jsonrpc: '2.0', id: 3, method: 'missing' },
      { jsonrpc: '2.0', id: 4, method: 'double', params: { n: 'x' } },
      5 as never,
    ]);
    const reply = await raw.receive();
    expect(Array.isArray(reply)).toBe(true);
    const responses = reply as JsonRpcResponse[];
    for (const r of responses) expect(JsonRpcResponseSchema.safeParse(r).success).toBe(true);
    expect(responses).toHaveLength(5);
    const byId = new Map(responses.map((r) => [r.id, r]));
    expect(byId.get(1)).toEqual({ jsonrpc: '2.0', id: 1, result: 42 });
    expect(byId.get('two')).toEqual({ jsonrpc: '2.0', id: 'two', result: 'now' });
    expect(byId.get(3)).toMatchObject({ error: { code: ErrorCode.MethodNotFound } });
    expect(byId.get(4)).toMatchObject({ error: { code: ErrorCode.InvalidParams } });
    expect(byId.get(null)).toMatchObject({ error: { code: ErrorCode.InvalidRequest } });
    expect(notes).toEqual([7]);
  });

  it('answers an empty batch with a single InvalidRequest error', async () => {
    const { raw } = rawServer();
    await raw.send([] as never);
    expect(await raw.receive()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCode.InvalidRequest },
    });
  });

  it('refuses a batch over MAX_BATCH_MESSAGES whole, with one error and one report', async () => {
    const { raw, notes, reported } = rawServer();
    const batch = [
      { jsonrpc: '2.0', method: 'note', params: { n: 1 } },
      ...Array.from({ length: MAX_BATCH_MESSAGES }, () => 1),
    ];
    await raw.send(batch as never);
    const reply = await raw.receive();
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.InvalidRequest } });
    expect((reply as { error: { message: string } }).error.message).toContain(
      `a batch of ${MAX_BATCH_MESSAGES + 1} messages is over the limit of ${MAX_BATCH_MESSAGES}`,
    );
    expect(notes).toEqual([]);
    expect(reported).toHaveLength(1);
    // The peer goes on: the next message is answered.
    await raw.send({ jsonrpc: '2.0', id: 'after', method: 'now' });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 'after', result: 'now' });
  });

  it('answers each invalid entry of a batch but reports them once', async () => {
    const { raw, reported } = rawServer();
    await raw.send([
      ...Array.from({ length: MAX_BATCH_MESSAGES - 1 }, () => 1),
      { jsonrpc: '2.0', id: 1, method: 'now' },
    ] as never);
    const reply = (await raw.receive()) as JsonRpcResponse[];
    expect(reply).toHaveLength(MAX_BATCH_MESSAGES);
    expect(reply.filter((r) => 'error' in r && r.error.code === ErrorCode.InvalidRequest)).toHaveLength(
      MAX_BATCH_MESSAGES - 1,
    );
    expect(reply).toContainEqual({ jsonrpc: '2.0', id: 1, result: 'now' });
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toContain(`and ${MAX_BATCH_MESSAGES - 2} more invalid entries`);
  });

  it('refuses to send a batch over MAX_BATCH_MESSAGES, sending nothing', async () => {
    const [clientEnd, serverEnd] = DirectChannel.pair();
    const counting = new BatchCountingChannel(clientEnd);
    const client = new RpcPeer(counting);
    const items = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => ({ method: 'now' }));
    await expect(client.requestBatch(items)).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    expect(counting.batches).toBe(0);
    expect(client.pendingCount).toBe(0);
    await client.close();
    await serverEnd.close();
  });

  it('sends nothing back for a batch of notifications only', async () => {
    const { raw, notes } = rawServer();
    await raw.send([
      { jsonrpc: '2.0', method: 'note', params: { n: 1 } },
      { jsonrpc: '2.0', method: 'note', params: { n: 2 } },
    ]);
    await raw.send({ jsonrpc: '2.0', id: 'after', method: 'now' });
    expect(await raw.receive()).toEqual({ jsonrpc: '2.0', id: 'after', result: 'now' });
    expect(notes).toEqual([1, 2]);
  });

  it('sends requestBatch as one array and lines results up with the items', async () => {
    const [clientEnd, serverEnd] = DirectChannel.pair();
    const notes: number[] = [];
    const server = new RpcPeer(serverEnd);
    server.onRequest('double', z.object({ n: z.number() }), ({ n }) => n * 2);
    server.onNotification('note', z.object({ n: z.number() }), ({ n }) => {
      notes.push(n);
    });
    server.start();
    const counting = new BatchCountingChannel(clientEnd);
    const client = new RpcPeer(counting);
    const results = await client.requestBatch([
      { method: 'double', params: { n: 1 } },
      { method: 'note', params: { n: 9 }, notification: true },
      { method: 'nope' },
      { method: 'double', params: { n: 5 } },
    ]);
    expect(counting.batches).toBe(1);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect(results[2]?.status).toBe('rejected');
    expect(((results[2] as PromiseRejectedResult).reason as OrchflowError).code).toBe(
      ErrorCode.MethodNotFound,
    );
    expect(results[3]).toEqual({ status: 'fulfilled', value: 10 });
    expect(notes).toEqual([9]);
    expect(client.pendingCount).toBe(0);
  });
});
