// Live output travels as bytes: subscribers and channel feeds get the flushed bytes with `data`
// decoded only when someone reads it (once per chunk), so a transport that sends bytes (the
// WebSocket binary frame) never decodes; replayed pages still carry decoded text.
import { JSONRPC_VERSION } from '@orchflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelFeed, type FeedNotification } from '../src/output/channel-feed';
import { OutputPipeline } from '../src/output/pipeline';
import { rawOutputOf } from '../src/output/raw-output';
import type { DataEvent, StreamEvent } from '../src/output/subscribers';
import { utf8Decoder } from '../src/output/utf8';

const pipelines: OutputPipeline[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const p of pipelines.splice(0)) {
    p.end();
    p.dispose();
  }
});

function pipeline(): OutputPipeline {
  // A long batch interval: nothing flushes until the test calls end().
  const p = new OutputPipeline({ batchIntervalMs: 60_000 });
  pipelines.push(p);
  return p;
}

/** A channel feed of terminal 't1' on `p`'s output, collecting what it sends. */
function feedOf(p: OutputPipeline): { feed: ChannelFeed; sent: FeedNotification[] } {
  const sent: FeedNotification[] = [];
  const feed = new ChannelFeed({
    terminalId: 't1',
    exited: new Promise(() => {}),
    notify: async (note) => {
      sent.push(note);
    },
  });
  feed.attach(p.subscribe({ manualAck: true }, feed.push));
  return { feed, sent };
}

// Multi-byte characters, a byte-order mark and bytes that are not UTF-8 at all.
const BYTES = Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from('héllo ✓ 🎉 '), 0xff, 0xfe, 0x80, 0x41]);
const TEXT = '\uFEFFhéllo ✓ 🎉 \uFFFD\uFFFD\uFFFDA';

describe('raw live output', () => {
  it('hands subscribers the flushed bytes and decodes data only when a listener reads it', () => {
    const p = pipeline();
    const decode = vi.spyOn(utf8Decoder, 'decode');
    const a: StreamEvent[] = [];
    const b: StreamEvent[] = [];
    p.subscribe({}, (event) => a.push(event));
    p.subscribe({}, (event) => b.push(event));
    p.onData(() => {}); // a listener that does not look at the text
    p.push(BYTES.slice());
    p.end();
    const [first] = a as DataEvent[];
    expect(first).toMatchObject({ type: 'data', offset: 0, nextOffset: BYTES.length });
    expect(first?.bytes).toEqual(BYTES);
    expect(decode).not.toHaveBeenCalled();
    expect(first?.data).toBe(TEXT);
    expect((b[0] as DataEvent).data).toBe(TEXT);
    // One decode for both subscribers.
    expect(decode).toHaveBeenCalledTimes(1);
    // Spreads and JSON see the ordinary event: a `data` string, no bytes.
    expect({ ...first }).toEqual({ type: 'data', data: TEXT, offset: 0, nextOffset: BYTES.length });
    expect(JSON.parse(JSON.stringify(first))).toEqual({
      type: 'data',
      data: TEXT,
      offset: 0,
      nextOffset: BYTES.length,
    });
  });

  it('gives onData listeners the same text, decoded once, and the bytes without decoding', () => {
    const p = pipeline();
    const decode = vi.spyOn(utf8Decoder, 'decode');
    const seen: string[] = [];
    const raw: (Uint8Array | undefined)[] = [];
    let decodedForRaw = -1;
    let keys: (string | symbol)[] = [];
    p.onData((chunk) => {
      raw.push(rawOutputOf(chunk));
      decodedForRaw = decode.mock.calls.length;
      keys = Reflect.ownKeys({ ...chunk });
    });
    p.onData((chunk) => seen.push(chunk.data));
    p.onData((chunk) => seen.push(chunk.data));
    p.push(BYTES.slice());
    p.end();
    expect(raw).toEqual([BYTES]);
    expect(decodedForRaw).toBe(0);
    expect(keys).toEqual(['data', 'offset']);
    expect(seen).toEqual([TEXT, TEXT]);
    expect(decode).toHaveBeenCalledTimes(1);
  });

  it('replays retained output with its bytes too, decoded only when read', () => {
    const p = pipeline();
    p.push(BYTES.slice());
    p.end();
    const decode = vi.spyOn(utf8Decoder, 'decode');
    const events: StreamEvent[] = [];
    p.subscribe({ fromOffset: 0 }, (event) => events.push(event));
    return Promise.resolve().then(() => {
      const data = events.find((e): e is DataEvent => e.type === 'data');
      expect(data?.bytes).toEqual(BYTES);
      expect(decode).not.toHaveBeenCalled();
      expect(data?.data).toBe(TEXT);
    });
  });

  it('attaches the raw bytes to a feed notification without decoding them', async () => {
    const p = pipeline();
    const decode = vi.spyOn(utf8Decoder, 'decode');
    const { feed, sent } = feedOf(p);
    p.push(BYTES.slice());
    p.end();
    await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0));
    const note = sent[0];
    if (note?.method !== 'terminal.output') throw new Error(`expected output, got ${note?.method}`);
    expect(rawOutputOf(note.params)).toEqual(BYTES);
    expect(note.params).toMatchObject({ terminalId: 't1', offset: 0, nextOffset: BYTES.length });
    expect(decode).not.toHaveBeenCalled();
    // What a JSON transport writes: the same notification with the decoded text.
    const wire = JSON.parse(JSON.stringify({ jsonrpc: JSONRPC_VERSION, ...note }));
    expect(wire.params).toEqual({ terminalId: 't1', data: TEXT, offset: 0, nextOffset: BYTES.length });
    expect(rawOutputOf(wire.params)).toBeUndefined();
    feed.close();
  });

  it('gives every holder of lazily decoded text the same getter', async () => {
    // A getter written in an object literal is a new function per chunk, and V8 gives each such
    // getter an accessor pair in the old generation: the decoded text of every chunk read then
    // survived young-generation collections (~1 s of GC per 128 MiB streamed to a listener).
    // A 12-byte scrollback flushes every 3 bytes: each push below is a chunk of its own.
    const p = new OutputPipeline({ batchIntervalMs: 60_000, scrollbackBytes: 12 });
    pipelines.push(p);
    const chunks: object[] = [];
    const events: StreamEvent[] = [];
    p.onData((chunk) => chunks.push(chunk));
    p.subscribe({}, (event) => events.push(event));
    const { feed, sent: notes } = feedOf(p);
    p.push(Buffer.from('one'));
    p.push(Buffer.from('two'));
    p.end();
    await vi.waitFor(() => expect(notes.filter((n) => n.method === 'terminal.output')).toHaveLength(2));
    const data = events.filter((e) => e.type === 'data');
    const params = notes.flatMap((n) => (n.method === 'terminal.output' ? [n.params] : []));
    const getter = (holder: object) => Object.getOwnPropertyDescriptor(holder, 'data')?.get;
    const holders = [...chunks, ...data, ...params];
    expect(holders).toHaveLength(6);
    expect(new Set(holders.map(getter)).size).toBe(1);
    expect(getter(holders[0] as object)).toBeTypeOf('function');
    expect(holders.map((h) => (h as { data: string }).data)).toEqual([
      'one',
      'two',
      'one',
      'two',
      'one',
      'two',
    ]);
    feed.close();
  });
});
