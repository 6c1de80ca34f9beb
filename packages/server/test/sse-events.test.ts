// SSE event encoding: the bytes an HTTP session keeps and writes are exactly the UTF-8 of the
// text form, for any data JSON can carry, and each event owns its memory (kept for replay, it must
// not pin a slab of Node's shared buffer pool).
import { describe, expect, test } from 'vitest';
import { sseEvent, sseEventBytes } from '../src/http/sse-events';

const cases: [string | undefined, unknown, number | undefined][] = [
  [undefined, { jsonrpc: '2.0', id: 1, result: {} }, 1],
  [undefined, { data: 'héllo 😀 日本\r\n\x1b[0m' }, 42],
  [undefined, { data: 'lone \ud800 surrogate' }, 7],
  ['error', { code: -32000, message: 'x'.repeat(70_000) }, undefined],
  [undefined, 'just a string', undefined],
];

describe('sseEventBytes', () => {
  test.each(cases)('event %s, id %s: the UTF-8 of sseEvent', (name, data, id) => {
    const bytes = sseEventBytes(name, data, id);
    expect(bytes.equals(Buffer.from(sseEvent(name, data, id), 'utf8'))).toBe(true);
  });

  test('gives each event memory of its own', () => {
    const small = sseEventBytes(undefined, { a: 1 }, 1);
    expect(small.byteOffset).toBe(0);
    expect(small.buffer.byteLength).toBe(small.byteLength);
  });
});
