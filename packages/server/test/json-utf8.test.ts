// The JSON string written straight from UTF-8 bytes is byte for byte what decoding the bytes and
// JSON.stringify-ing the text gives, for well-formed and ill-formed input alike (every sequence of
// up to four bytes drawn from the boundary values of UTF-8 and JSON escaping, every single byte,
// and long seeded-random runs); and a `terminal.output` SSE event built from raw bytes carries the
// same data without decoding it on the server.
import { attachRawOutput, defineLazyData } from '@orchflow/terminal/internal';
import { describe, expect, it } from 'vitest';
import { jsonUtf8MaxLength, writeJsonUtf8 } from '../src/http/json-utf8';
import { sseEventBytes } from '../src/http/sse-events';

// The terminal's decoder: a BOM is text, not a marker to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The bytes writeJsonUtf8 should produce: the UTF-8 of JSON.stringify of the decoded text. */
function expected(bytes: Uint8Array): Buffer {
  return Buffer.from(JSON.stringify(decoder.decode(bytes)), 'utf8');
}

function written(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(jsonUtf8MaxLength(bytes.length) + 8);
  const end = writeJsonUtf8(bytes, out, 3);
  return out.subarray(3, end);
}

/** First mismatch among `inputs`, as hex, or undefined. */
function firstMismatch(inputs: Iterable<Uint8Array>): string | undefined {
  for (const bytes of inputs) {
    if (!written(bytes).equals(expected(bytes))) return Buffer.from(bytes).toString('hex');
  }
  return undefined;
}

// Lead-byte limits, continuation limits, the escaped ASCII and its neighbours.
const BOUNDARIES = [
  0x00, 0x08, 0x0a, 0x1b, 0x1f, 0x20, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
  0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
];

function* sequences(length: number): Generator<Uint8Array> {
  const index = new Array<number>(length).fill(0);
  for (;;) {
    yield Uint8Array.from(index, (k) => BOUNDARIES[k] as number);
    let p = length - 1;
    while (p >= 0 && index[p] === BOUNDARIES.length - 1) index[p--] = 0;
    if (p < 0) return;
    index[p] = (index[p] as number) + 1;
  }
}

/** Deterministic pseudo-random bytes, mostly UTF-8-shaped, some not. */
function* randomRuns(count: number, seed: number): Generator<Uint8Array> {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state >>> 8;
  };
  const text = Buffer.from('ascii "quoted" \\ tab\t esc\x1b[0m é 日本 😀 \u2028 ', 'utf8');
  for (let r = 0; r < count; r++) {
    const bytes = new Uint8Array(next() % 4096);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = next() % 4 === 0 ? next() & 0xff : (text[next() % text.length] as number);
    }
    yield bytes;
  }
}

describe('writeJsonUtf8', () => {
  it('matches JSON.stringify of the decoded text for every single byte', () => {
    const inputs = Array.from({ length: 256 }, (_, b) => [Uint8Array.of(b), Uint8Array.of(b, 0x61)]).flat();
    expect(firstMismatch(inputs)).toBeUndefined();
  });

  it.each([1, 2, 3, 4])('matches for every %i-byte sequence of boundary values', (length) => {
    expect(firstMismatch(sequences(length))).toBeUndefined();
  });

  it('matches for long random runs of text and stray bytes', () => {
    expect(firstMismatch(randomRuns(400, 7))).toBeUndefined();
  });

  it('keeps a byte order mark as U+FEFF, as the terminal decodes it', () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x41);
    expect(written(bom).toString('utf8')).toBe('"\ufeffA"');
    expect(
      firstMismatch([bom, Uint8Array.of(0x41, 0xef, 0xbb, 0xbf), Uint8Array.of(0xef, 0xbb)]),
    ).toBeUndefined();
  });

  it('stays within jsonUtf8MaxLength in the worst case', () => {
    const controls = new Uint8Array(1000).fill(0x01);
    expect(written(controls).length).toBe(jsonUtf8MaxLength(controls.length));
  });
});

describe('sseEventBytes of live output', () => {
  it('writes data from the raw bytes, never decoding them, as the same JSON', () => {
    const bytes = Buffer.from('line "one"\r\n\x1b[31mé日😀\xff tail', 'latin1');
    let decoded = 0;
    const params = defineLazyData({ terminalId: 't-1', subscriptionId: 's-1' }, () => {
      decoded++;
      return decoder.decode(bytes);
    }) as Record<string, unknown>;
    params.offset = 10;
    params.nextOffset = 10 + bytes.length;
    attachRawOutput(params, bytes);
    const message = { jsonrpc: '2.0', method: 'terminal.output', params };

    const event = sseEventBytes(undefined, message, 5).toString('utf8');
    expect(decoded).toBe(0);
    expect(event.startsWith('id: 5\ndata: ')).toBe(true);
    expect(event.endsWith('}}\n\n')).toBe(true);
    const sent = JSON.parse(event.slice('id: 5\ndata: '.length));
    expect(sent).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: {
        terminalId: 't-1',
        subscriptionId: 's-1',
        offset: 10,
        nextOffset: 10 + bytes.length,
        data: decoder.decode(bytes),
      },
    });
  });

  it('sends a message whose params are not its last key the plain way, as the same JSON', () => {
    const params = attachRawOutput(
      defineLazyData({ terminalId: 't-1' }, () => 'a}b'),
      Buffer.from('a}b'),
    );
    const message = { jsonrpc: '2.0', method: 'terminal.output', params, extra: { x: {} } };
    const event = sseEventBytes(undefined, message, 3).toString('utf8');
    expect(JSON.parse(event.slice('id: 3\ndata: '.length))).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { terminalId: 't-1', data: 'a}b' },
      extra: { x: {} },
    });
  });

  it('sends the plain way what the splice could get wrong: nothing else in params, or a toJSON', () => {
    const bytes = Buffer.from('hi\n');
    const lazy = (base: object) =>
      attachRawOutput(
        defineLazyData(base, () => 'hi\n'),
        bytes,
      );
    const cases = [
      { jsonrpc: '2.0', method: 'terminal.output', params: lazy({ terminalId: undefined }) },
      {
        jsonrpc: '2.0',
        method: 'terminal.output',
        params: lazy({ terminalId: 't', toJSON: () => ({ data: 'other' }) }),
      },
    ];
    for (const message of cases) {
      const event = sseEventBytes(undefined, message, 1).toString('utf8');
      expect(JSON.parse(event.slice('id: 1\ndata: '.length))).toEqual(JSON.parse(JSON.stringify(message)));
    }
  });

  it('gives each event memory of its own, not the scratch it was written in', () => {
    const params = attachRawOutput(
      defineLazyData({ terminalId: 't-1' }, () => 'abc'),
      Buffer.from('abc'),
    );
    const first = sseEventBytes(undefined, { jsonrpc: '2.0', method: 'terminal.output', params }, 1);
    const copy = Buffer.from(first);
    sseEventBytes(undefined, { jsonrpc: '2.0', method: 'terminal.output', params }, 2);
    expect(first.equals(copy)).toBe(true);
    expect(first.buffer.byteLength).toBe(first.byteLength);
  });
});
