import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelClosedError, ErrorCode, FrameTooLargeError, FramingError } from '../src/errors';
import type { FrameCodec } from '../src/framing/codec';
import { ContentLengthCodec } from '../src/framing/content-length';
import { NdjsonCodec } from '../src/framing/ndjson';
import type { JsonRpcMessage } from '../src/jsonrpc';
import { StreamChannel } from '../src/node/stream-channel';

const utf8 = (text: string) => new TextEncoder().encode(text);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Frames a payload the way `codec` would, whatever the payload is. */
function frameRaw(codec: FrameCodec, payload: string): Uint8Array {
  const body = utf8(payload);
  const header =
    codec instanceof NdjsonCodec ? new Uint8Array(0) : utf8(`Content-Length: ${body.length}\r\n\r\n`);
  const trailer = codec instanceof NdjsonCodec ? utf8('\n') : new Uint8Array(0);
  return new Uint8Array([...header, ...body, ...trailer]);
}

const codecs: [string, () => FrameCodec][] = [
  ['Content-Length', () => new ContentLengthCodec({ maxFrameBytes: 256 })],
  ['NDJSON', () => new NdjsonCodec({ maxFrameBytes: 256 })],
];

const garbage = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.constantFrom(
      ...['Content-Length: 3\r\n\r\n', '\n', '{"jsonrpc":"2.0"}', 'null', '\r\n\r\n'].map(utf8),
    ),
  ),
  { maxLength: 20 },
);

describe.each(codecs)('StreamChannel properties (%s)', (_name, makeCodec) => {
  it('survives arbitrary garbage bytes and closes only with a framing cause', async () => {
    await fc.assert(
      fc.asyncProperty(garbage, async (chunks) => {
        const input = new PassThrough();
        const channel = new StreamChannel(
          { readable: input, writable: new PassThrough() },
          { codec: makeCodec() },
        );
        for (const chunk of chunks) input.write(chunk);
        input.end();
        // Drain whatever parsed as JSON until the channel reports its closure.
        let closedWith: unknown;
        for (;;) {
          try {
            await channel.receive();
          } catch (error) {
            closedWith = error;
            break;
          }
        }
        expect(closedWith).toBeInstanceOf(ChannelClosedError);
        const cause = (closedWith as Error).cause;
        expect(
          cause === undefined || cause instanceof FrameTooLargeError || cause instanceof FramingError,
        ).toBe(true);
        await channel.close();
      }),
      { numRuns: 100 },
    );
  });

  it('still delivers a well-formed request after a frame of invalid JSON', async () => {
    const notJson = fc
      .string({ unit: 'binary', maxLength: 60 })
      .map((s) => s.replace(/\r$/, ''))
      // Judge the payload as the channel will see it: UTF-8 decoding drops a leading BOM.
      .filter((s) => !s.includes('\n') && s.trim() !== '' && !isJson(new TextDecoder().decode(utf8(s))));
    await fc.assert(
      fc.asyncProperty(notJson, fc.integer(), async (payload, id) => {
        const codec = makeCodec();
        const input = new PassThrough();
        const output = new PassThrough();
        const channel = new StreamChannel({ readable: input, writable: output }, { codec });
        const peer = new StreamChannel(
          { readable: output, writable: new PassThrough() },
          { codec: makeCodec() },
        );
        const request: JsonRpcMessage = {
          jsonrpc: '2.0',
          id,
          method: 'terminal.list',
        };
        input.write(frameRaw(codec, payload));
        input.write(codec.encode(request));
        expect(await channel.receive()).toEqual(request);
        expect(await peer.receive()).toMatchObject({
          id: null,
          error: { code: ErrorCode.ParseError },
        });
        await Promise.all([channel.close(), peer.close()]);
      }),
      { numRuns: 100 },
    );
  });
});
