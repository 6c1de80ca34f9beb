import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChannelClosedError, ErrorCode, FrameTooLargeError, FramingError } from '../src/errors';
import type { FrameCodec } from '../src/framing/codec';
import { ContentLengthCodec } from '../src/framing/content-length';
import { NdjsonCodec } from '../src/framing/ndjson';
import type { JsonRpcMessage } from '../src/jsonrpc';
import { StreamChannel, type StreamChannelOptions } from '../src/node/stream-channel';

/** Two channels joined by a PassThrough in each direction. */
function linkedPair(options: StreamChannelOptions = {}) {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = new StreamChannel({ readable: bToA, writable: aToB }, options);
  const b = new StreamChannel({ readable: aToB, writable: bToA }, options);
  return { a, b, aToB, bToA };
}

/** A channel whose incoming bytes the test writes raw, and whose output it reads with `peer`. */
function rawFed(options: StreamChannelOptions = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const channel = new StreamChannel({ readable: input, writable: output }, options);
  const peer = new StreamChannel({ readable: output, writable: new PassThrough() }, { codec: options.codec });
  return { channel, input, output, peer };
}

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
const request = (id: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'terminal.list',
  params: { n: id },
});
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

const codecs: [string, () => FrameCodec][] = [
  ['Content-Length', () => new ContentLengthCodec()],
  ['NDJSON', () => new NdjsonCodec()],
];

describe.each(codecs)('StreamChannel over PassThrough pairs (%s)', (_name, makeCodec) => {
  it('delivers 10 000 messages in order', async () => {
    const { a, b } = linkedPair({ codec: makeCodec() });
    const count = 10_000;
    const sending = Promise.all(Array.from({ length: count }, (_, i) => a.send(request(i))));
    for (let i = 0; i < count; i++) expect(await b.receive()).toEqual(request(i));
    await sending;
    await a.close();
  });

  it('passes frames on without schema validation', async () => {
    const { channel, input } = rawFed({ codec: makeCodec() });
    const codec = makeCodec();
    input.write(codec.encode(42 as unknown as JsonRpcMessage));
    input.write(codec.encode({ not: 'json-rpc' } as unknown as JsonRpcMessage));
    expect(await channel.receive()).toBe(42);
    expect(await channel.receive()).toEqual({ not: 'json-rpc' });
    await channel.close();
  });

  it('answers a frame of invalid JSON with a ParseError response and keeps reading', async () => {
    const { channel, input, peer } = rawFed({ codec: makeCodec() });
    const garbage = new TextEncoder().encode('{"jsonrpc": nope');
    input.write(
      makeCodec() instanceof NdjsonCodec
        ? new TextEncoder().encode('{"jsonrpc": nope\n')
        : new Uint8Array([
            ...new TextEncoder().encode(`Content-Length: ${garbage.length}\r\n\r\n`),
            ...garbage,
          ]),
    );
    input.write(makeCodec().encode(request(1)));
    expect(await channel.receive()).toEqual(request(1));
    expect(await peer.receive()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: ErrorCode.ParseError,
        message: expect.stringContaining('Parse error'),
      },
    });
    await channel.close();
  });
});

describe('StreamChannel', () => {
  it("with onParseError 'ignore' drops invalid JSON silently", async () => {
    const { channel, input, output } = rawFed({
      codec: new NdjsonCodec(),
      onParseError: 'ignore',
    });
    input.write('not json\n');
    input.write(new NdjsonCodec().encode(request(2)));
    expect(await channel.receive()).toEqual(request(2));
    await channel.close();
    expect(output.read()).toBeNull(); // nothing was written back
  });

  it('send awaits drain while the reader is slow, with one shared drain listener', async () => {
    const output = new PassThrough({ highWaterMark: 1024 });
    const channel = new StreamChannel({
      readable: new PassThrough(),
      writable: output,
    });
    const big: JsonRpcMessage = {
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { data: 'x'.repeat(64 * 1024) },
    };
    const sends = Array.from({ length: 20 }, () => channel.send(big));
    const flags = sends.map(settledFlag);
    await macrotask();
    expect(flags.every((f) => !f.settled)).toBe(true);
    expect(output.writableNeedDrain).toBe(true);
    expect(output.listenerCount('drain')).toBeLessThanOrEqual(2);

    const decoder = new ContentLengthCodec().createDecoder();
    const received: string[] = [];
    output.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk)));
    await Promise.all(sends);
    expect(received).toHaveLength(20);
    expect(JSON.parse(received[19] as string)).toEqual(big);
    await channel.close();
  });

  it('rejects a send waiting for drain when the channel closes', async () => {
    const output = new PassThrough({ highWaterMark: 16 });
    const channel = new StreamChannel(
      { readable: new PassThrough(), writable: output },
      { closeTimeoutMs: 100 },
    );
    const send = rejection(
      channel.send({
        jsonrpc: '2.0',
        method: 'x',
        params: ['y'.repeat(10_000)],
      }),
    );
    await macrotask();
    await channel.close();
    expect(await send).toBeInstanceOf(ChannelClosedError);
  });

  it('close rejects pending receives and later sends, and is idempotent', async () => {
    const { a, b } = linkedPair();
    const pending = rejection(a.receive());
    await Promise.all([a.close(), a.close()]);
    await a.close();
    expect(a.closed).toBe(true);
    expect(await pending).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(a.receive())).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(a.send(request(1)))).toBeInstanceOf(ChannelClosedError);
    // The peer sees the end of the stream and closes too.
    expect(await rejection(b.receive())).toBeInstanceOf(ChannelClosedError);
    expect(b.closed).toBe(true);
  });

  it('keeps messages decoded before the stream ended receivable', async () => {
    const { a, b } = linkedPair();
    await a.send(request(1));
    await a.send(request(2));
    await a.close();
    expect(await b.receive()).toEqual(request(1));
    expect(await b.receive()).toEqual(request(2));
    expect(await rejection(b.receive())).toBeInstanceOf(ChannelClosedError);
  });

  it('iteration ends when the peer closes', async () => {
    const { a, b } = linkedPair({ codec: new NdjsonCodec() });
    for (let i = 0; i < 3; i++) await a.send(request(i));
    await a.close();
    const seen: JsonRpcMessage[] = [];
    for await (const message of b) seen.push(message);
    expect(seen).toEqual([request(0), request(1), request(2)]);
  });

  it('closes with FrameTooLargeError as the cause when a declared frame is oversized', async () => {
    const errors: Error[] = [];
    const { channel, input } = rawFed({
      codec: new ContentLengthCodec({ maxFrameBytes: 1024 }),
      onError: (e) => errors.push(e),
    });
    const pending = rejection(channel.receive());
    input.write('Content-Length: 5000\r\n\r\n');
    const error = await pending;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(FrameTooLargeError);
    expect(errors).toEqual([(error as Error).cause]);
    expect(channel.closed).toBe(true);
    await channel.close(); // resolves once teardown has finished
    expect(input.destroyed).toBe(true); // nothing more is read or buffered
  });

  it('closes with FrameTooLargeError when an NDJSON line outgrows the limit', async () => {
    const { channel, input } = rawFed({
      codec: new NdjsonCodec({ maxFrameBytes: 1024 }),
    });
    input.write('x'.repeat(2048));
    const error = await rejection(channel.receive());
    expect((error as Error).cause).toBeInstanceOf(FrameTooLargeError);
  });

  it('closes with FramingError as the cause on broken framing', async () => {
    const { channel, input } = rawFed();
    input.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const error = await rejection(channel.receive());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeInstanceOf(FramingError);
  });

  it('closes with the stream error as the cause and reports it', async () => {
    const errors: Error[] = [];
    const { channel, input } = rawFed({ onError: (e) => errors.push(e) });
    const boom = new Error('boom');
    input.destroy(boom);
    const error = await rejection(channel.receive());
    expect((error as Error).cause).toBe(boom);
    expect(errors).toEqual([boom]);
  });

  it('rejects an oversized outgoing message and stays open', async () => {
    const { a, b } = linkedPair({
      codec: new NdjsonCodec({ maxFrameBytes: 100 }),
    });
    expect(await rejection(a.send({ jsonrpc: '2.0', method: 'x'.repeat(200) }))).toBeInstanceOf(
      FrameTooLargeError,
    );
    expect(a.closed).toBe(false);
    await a.send(request(1));
    expect(await b.receive()).toEqual(request(1));
    await a.close();
  });

  it('pauses reading while too many messages wait, and resumes as they are consumed', async () => {
    const { a, b, aToB } = linkedPair({ maxBufferedMessages: 10 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => a.send(request(i))));
    await macrotask();
    expect(aToB.isPaused()).toBe(true);
    for (let i = 0; i < 50; i++) expect(await b.receive()).toEqual(request(i));
    await a.close();
  });
});
