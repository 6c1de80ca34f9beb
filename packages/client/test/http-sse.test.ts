// The SSE reader against streams cut at every possible place: events, ids, comments, several
// `data:` lines, CRLF line ends split between chunks, UTF-8 split between chunks, long lines.
import { describe, expect, test } from 'vitest';
import { readSse, type SseEvent } from '../src/transports/http-sse';

async function* chunks(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

async function read(bytes: Uint8Array, cuts: readonly number[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(chunks(bytes, cuts))) events.push(event);
  return events;
}

const long = `{"data":"${'x'.repeat(70_000)}é"}`;
const stream = [
  'retry: 1000\n\n',
  ': keep-alive\r\n\r\n',
  'id: 1\ndata: {"a":1}\n\n',
  'event: error\r\nid: 2\r\ndata:{"b":"ü 😀"}\r\n\r\n',
  'data: first\ndata: second\ndata\n\n',
  `id: 3\ndata: ${long}\n\n`,
  'data: unterminated',
].join('');
const expected: SseEvent[] = [
  { event: 'message', data: '{"a":1}', id: '1' },
  { event: 'error', data: '{"b":"ü 😀"}', id: '2' },
  { event: 'message', data: 'first\nsecond\n', id: undefined },
  { event: 'message', data: long, id: '3' },
];

describe('readSse', () => {
  const bytes = new TextEncoder().encode(stream);

  test('reads the stream in one chunk', async () => {
    expect(await read(bytes, [])).toEqual(expected);
  });

  test('reads the same events however the stream is cut in two', async () => {
    // Every cut among the short events (CR|LF, inside UTF-8, inside field names), then a few in
    // the long line.
    const shortEnd = stream.indexOf(long);
    const cuts = [...Array.from({ length: shortEnd }, (_, i) => i + 1), shortEnd + 100, shortEnd + 65_536];
    for (const cut of cuts) expect(await read(bytes, [cut])).toEqual(expected);
  });

  test("drops the stream's byte order mark, wherever the stream is cut, and keeps one in a line", async () => {
    const marked = new TextEncoder().encode('\uFEFFdata: a\n\ndata: \uFEFFb\n\n');
    // TextEncoder writes U+FEFF as EF BB BF; TextDecoder would drop it by default.
    for (const cut of [0, 1, 2, 3, 4]) {
      expect(await read(marked, cut === 0 ? [] : [cut])).toEqual([
        { event: 'message', data: 'a', id: undefined },
        { event: 'message', data: '\uFEFFb', id: undefined },
      ]);
    }
  });

  test('reads the same events from one byte at a time', async () => {
    const cuts = Array.from({ length: stream.indexOf(long) + 2000 }, (_, i) => i + 1);
    expect(await read(bytes, cuts)).toEqual(expected);
  });
});
