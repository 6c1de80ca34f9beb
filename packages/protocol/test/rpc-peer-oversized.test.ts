// A response too large for its channel (over the byte-stream codec's maxFrameBytes): the channel
// refuses it before sending a byte, and the request used to get no answer at all — its caller
// waited out a timeout, or forever. It now fails at once with PayloadTooLarge, saying how large and
// how to ask for less; the connection stays usable.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, isOrchflowError } from '../src/errors';
import { ContentLengthCodec } from '../src/framing/content-length';
import { StreamChannel } from '../src/node/stream-channel';
import { RpcPeer } from '../src/rpc/rpc-peer';

const LIMIT = 4096;

function pair() {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const codec = new ContentLengthCodec({ maxFrameBytes: LIMIT });
  const server = new RpcPeer(new StreamChannel({ readable: aToB, writable: bToA }, { codec }));
  const client = new RpcPeer(new StreamChannel({ readable: bToA, writable: aToB }, { codec }));
  server.onRequest('text', z.object({ bytes: z.number() }), ({ bytes }) => 'x'.repeat(bytes));
  server.start();
  client.start();
  return { server, client };
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchflowError(error), String(error)).toBe(true);
  return error as { code: number; message: string; data: { size: number; limit: number } };
}

describe('RpcPeer answering with a response too large for its channel', () => {
  it('fails that request with PayloadTooLarge instead of leaving it unanswered', async () => {
    const { server, client } = pair();
    const error = await failure(client.request('text', { bytes: 10_000 }, { timeoutMs: 30_000 }));
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.message).toMatch(/over this connection's limit of 4096 bytes.*ask for less/);
    expect(error.data.limit).toBe(LIMIT);
    expect(error.data.size).toBeGreaterThan(10_000);
    // The connection goes on.
    expect(await client.request('text', { bytes: 10 })).toBe('xxxxxxxxxx');
    await client.close();
    await server.close();
  });

  it('fails every request of a batch whose responses together are too large', async () => {
    const { server, client } = pair();
    const results = await client.requestBatch([
      { method: 'text', params: { bytes: 3000 } },
      { method: 'text', params: { bytes: 3000 } },
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) {
      const reason = (r as PromiseRejectedResult).reason as { code: number; message: string };
      expect(reason.code).toBe(ErrorCode.PayloadTooLarge);
      expect(reason.message).toMatch(/batch's 2 responses/);
    }
    await client.close();
    await server.close();
  });
});
