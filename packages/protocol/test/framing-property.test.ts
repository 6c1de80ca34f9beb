import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTooLargeError, FramingError } from '../src/errors';
import type { FrameCodec } from '../src/framing/codec';
import { ContentLengthCodec } from '../src/framing/content-length';
import { NdjsonCodec } from '../src/framing/ndjson';
import type { JsonRpcMessage } from '../src/jsonrpc';

const utf8 = (text: string) => new TextEncoder().encode(text);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Cuts `bytes` at the given (unsorted, possibly out of range) points. */
function splitAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.slice(start, cut));
    start = cut;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

const codecs: [string, (maxFrameBytes?: number) => FrameCodec][] = [
  ['ContentLengthCodec', (maxFrameBytes) => new ContentLengthCodec({ maxFrameBytes })],
  ['NdjsonCodec', (maxFrameBytes) => new NdjsonCodec({ maxFrameBytes })],
];

// Pieces that steer random input into the decoders' interesting states (headers, terminators,
// lengths near the limit, multi-byte characters) rather than only into "malformed header".
const framingToken = fc.constantFrom(
  ...[
    'Content-Length: ',
    'content-length:',
    'Content-Type: application/json; charset=utf-8\r\n',
    '\r\n',
    '\r\n\r\n',
    '\n',
    '0',
    '7',
    '64',
    '65',
    '999999999999999999999',
    '{"jsonrpc":"2.0","id":1}',
    '🚀',
  ].map(utf8),
);
const hostileBytes = fc
  .array(fc.oneof(fc.uint8Array({ maxLength: 80 }), framingToken), {
    maxLength: 40,
  })
  .map(concat);

describe.each(codecs)('%s properties', (_name, makeCodec) => {
  it('throws nothing but FrameTooLargeError or FramingError on arbitrary bytes', () => {
    fc.assert(
      fc.property(hostileBytes, fc.array(fc.nat(), { maxLength: 10 }), (bytes, points) => {
        const decoder = makeCodec(64).createDecoder();
        for (const chunk of splitAt(bytes, points)) {
          try {
            for (const frame of decoder.push(chunk)) expect(typeof frame).toBe('string');
          } catch (error) {
            expect(error instanceof FrameTooLargeError || error instanceof FramingError).toBe(true);
            return;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decodes encoded JSON values split into arbitrary chunks back to the same values', () => {
    const value = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.array(fc.nat()), (values, points) => {
        const codec = makeCodec();
        const bytes = concat(values.map((v) => codec.encode(v as JsonRpcMessage)));
        const decoder = codec.createDecoder();
        const frames = splitAt(bytes, points).flatMap((chunk) => decoder.push(chunk));
        expect(frames.map((f) => JSON.parse(f))).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
      }),
      { numRuns: 300 },
    );
  });
});
