import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { OutputChunk } from '@orchflow/protocol';
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputPipeline, type OutputPipelineOptions } from '../src/output/pipeline';
import type { StreamEvent } from '../src/output/subscribers';

const enc = new TextEncoder();
const pipelines: OutputPipeline[] = [];

function pipeline(options: OutputPipelineOptions = {}): OutputPipeline {
  const p = new OutputPipeline(options);
  pipelines.push(p);
  return p;
}

afterEach(() => {
  for (const p of pipelines.splice(0)) {
    p.end();
    p.dispose();
  }
});

/** Collects events and lets a test await the first one matching a predicate. */
function recorder() {
  const events: StreamEvent[] = [];
  const waiters: { match: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }[] = [];
  const listener = (event: StreamEvent): void => {
    events.push(event);
    for (const w of waiters.splice(0)) {
      if (w.match(event)) w.resolve(event);
      else waiters.push(w);
    }
  };
  const until = (match: (e: StreamEvent) => boolean): Promise<StreamEvent> => {
    const seen = events.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  const text = (): string => events.map((e) => (e.type === 'data' ? e.data : '')).join('');
  return { events, listener, until, text };
}

describe('OutputPipeline', () => {
  it('counts pushed bytes at once and delivers them in a batch', async () => {
    const p = pipeline();
    const chunks: OutputChunk[] = [];
    const delivered = new Promise<void>((resolve) =>
      p.onData((chunk) => {
        chunks.push(chunk);
        resolve();
      }),
    );
    const started = performance.now();
    p.push(enc.encode('hello '));
    p.push(enc.encode('wörld'));
    expect(p.endOffset).toBe(12);
    expect(chunks).toHaveLength(0);
    await delivered;
    expect(performance.now() - started).toBeLessThan(250);
    expect(chunks).toEqual([{ data: 'hello wörld', offset: 0 }]);
    expect(p.read({ fromOffset: 6 })).toEqual({ data: 'wörld', offset: 6, nextOffset: 12, endOffset: 12 });
  });

  it('replays the backlog to a subscriber starting at an old offset, then streams live', async () => {
    const p = pipeline();
    const flushed = new Promise((resolve) => p.onData(resolve));
    p.push(enc.encode('line one\nline two\n'));
    await flushed;
    const r = recorder();
    p.subscribe({ fromOffset: 5 }, r.listener);
    p.push(enc.encode('line three\n'));
    await r.until((e) => e.type === 'data' && e.data.includes('three'));
    expect(r.text()).toBe('one\nline two\nline three\n');
    expect(r.events[0]).toEqual({ type: 'data', data: 'one\nline two\n', offset: 5, nextOffset: 18 });
  });

  it('hands replayed output out with its own bytes, also bytes that are not UTF-8', async () => {
    const p = pipeline();
    const flushed = new Promise((resolve) => p.onData(resolve));
    // 0xff and a lone 0xc3 are not UTF-8: each decodes to U+FFFD, three bytes when encoded back.
    const raw = Uint8Array.from([...enc.encode('a '), 0xff, 0x20, 0xc3, 0x20, ...enc.encode('é\n')]);
    p.push(raw);
    await flushed;
    const r = recorder();
    p.subscribe({ fromOffset: 0 }, r.listener);
    const event = await r.until((e) => e.type === 'data');
    if (event.type !== 'data') throw new Error('unreachable');
    expect(event).toEqual({ type: 'data', data: 'a \uFFFD \uFFFD é\n', offset: 0, nextOffset: raw.length });
    // A transport that sends bytes (WebSocket binary frames) sends these, not the text encoded back.
    expect(event.bytes).toEqual(raw);
  });

  it('pauses the producer for a manual-ack subscriber that does not ack, and resumes on ack', async () => {
    const calls: string[] = [];
    const p = pipeline({ onPause: () => calls.push('pause'), onResume: () => calls.push('resume') });
    const r = recorder();
    const sub = p.subscribe({ manualAck: true, highWaterMark: 1000, lowWaterMark: 200 }, r.listener);
    p.push(new Uint8Array(1500).fill(97));
    expect(calls).toEqual(['pause']);
    // Delivery stops at the high watermark: the subscriber holds at most 1000 unacked bytes.
    await r.until((e) => e.type === 'data');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.text()).toHaveLength(1000);
    sub.ack(1000);
    expect(calls).toEqual(['pause']);
    expect(r.text()).toHaveLength(1500);
    sub.ack(1500);
    expect(calls).toEqual(['pause', 'resume']);
    p.push(enc.encode('more'));
    await r.until((e) => e.type === 'data' && e.data === 'more');
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('resumes the producer when a lagging subscriber is disposed', () => {
    const calls: string[] = [];
    const p = pipeline({ onPause: () => calls.push('pause'), onResume: () => calls.push('resume') });
    const sub = p.subscribe({ manualAck: true, highWaterMark: 10 }, () => {});
    p.push(new Uint8Array(20).fill(97));
    expect(p.paused).toBe(true);
    sub.dispose();
    expect(calls).toEqual(['pause', 'resume']);
    expect(p.paused).toBe(false);
  });

  it('sends a gap notice to a subscriber that fell off the ring, then continues from its start', async () => {
    const p = pipeline({ scrollbackBytes: 1024 });
    const r = recorder();
    const sub = p.subscribe({ manualAck: true, highWaterMark: 100 }, r.listener);
    const all = 'abcdefghijklmnopqrstuvwxyz'.repeat(200);
    for (let i = 0; i < all.length; i += 50) p.push(enc.encode(all.slice(i, i + 50)));
    await r.until((e) => e.type === 'data');
    expect(r.text()).toBe(all.slice(0, 100));
    sub.ack(100);
    const gap = await r.until((e) => e.type === 'gap');
    expect(gap).toEqual({ type: 'gap', from: 100, to: p.startOffset });
    const after = r.events[r.events.indexOf(gap) + 1];
    expect(after).toMatchObject({ type: 'data', offset: p.startOffset });
    expect(after?.type === 'data' && after.data).toBe(all.slice(p.startOffset, p.startOffset + 100));
  });

  it('end() delivers the last bytes synchronously, then an end notice', () => {
    const p = pipeline();
    const r = recorder();
    const chunks: OutputChunk[] = [];
    p.onData((chunk) => chunks.push(chunk));
    p.subscribe({ fromOffset: 0 }, r.listener);
    p.push(enc.encode('last words 😀'));
    p.end();
    expect(chunks).toEqual([{ data: 'last words 😀', offset: 0 }]);
    expect(r.events).toEqual([
      { type: 'data', data: 'last words 😀', offset: 0, nextOffset: 15 },
      { type: 'end', offset: 15 },
    ]);
    expect(() => p.push(enc.encode('x'))).toThrow(expect.objectContaining({ code: ErrorCode.InvalidState }));
  });

  it('flush() hands out everything that waits for batching now, an incomplete last character too', () => {
    const p = pipeline();
    const chunks: OutputChunk[] = [];
    const events: StreamEvent[] = [];
    p.onData((chunk) => chunks.push(chunk));
    p.subscribe({ fromOffset: 0 }, (event) => events.push(event));
    p.push(enc.encode('ready '));
    p.push(enc.encode('😀').subarray(0, 2));
    p.flush();
    expect(chunks.map((c) => c.offset)).toEqual([0]);
    expect(events).toMatchObject([{ type: 'data', offset: 0, nextOffset: 8 }]);
    p.end();
    p.flush();
    expect(chunks).toHaveLength(1);
  });

  it('gives a subscriber that arrives after the end its backlog and an end notice', async () => {
    const p = pipeline();
    p.push(enc.encode('done\n'));
    p.end();
    const r = recorder();
    p.subscribe({ fromOffset: 0 }, r.listener);
    await r.until((e) => e.type === 'end');
    expect(r.events).toEqual([
      { type: 'data', data: 'done\n', offset: 0, nextOffset: 5 },
      { type: 'end', offset: 5 },
    ]);
  });

  it('rejects a subscription from an offset not yet written', () => {
    const p = pipeline();
    expect(() => p.subscribe({ fromOffset: 1 }, () => {})).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParams }),
    );
  });

  it('keeps memory bounded when 64 MiB pass a subscriber that never acks', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    let pauses = 0;
    const p = pipeline({ scrollbackBytes: 1024 * 1024, onPause: () => pauses++ });
    const events: StreamEvent[] = [];
    p.subscribe({ manualAck: true }, (e) => events.push(e));
    p.onData(() => {});
    const block = new Uint8Array(64 * 1024);
    const before = used();
    for (let i = 0; i < 1024; i++) p.push(block.slice().fill(97 + (i % 26)));
    const growth = used() - before;
    expect(p.endOffset).toBe(64 * 1024 * 1024);
    expect(pauses).toBe(1);
    // The ring is preallocated; what grows is the one subscriber's window of events plus the
    // heap's own noise (GC timing, compiled code: 8–17 MiB measured under load). Keeping what
    // was pushed would grow by 64 MiB or more; half of that separates the two.
    expect(growth).toBeLessThan(32 * 1024 * 1024);
    const delivered = events.reduce((n, e) => n + (e.type === 'data' ? e.data.length : 0), 0);
    expect(delivered).toBe(1024 * 1024);
  });

  it('snapshots the screen lazily from the scrollback and keeps it fed', async () => {
    const p = pipeline({ cols: 30, rows: 4 });
    p.push(enc.encode('$ ls\r\nfile-a  file-b\r\n$ '));
    const first = await p.snapshot();
    expect(first.lines).toEqual(['$ ls', 'file-a  file-b', '$ ', '']);
    expect(first).toMatchObject({ cursor: { x: 2, y: 2 }, cols: 30, rows: 4, altScreen: false });
    p.push(enc.encode('vim\r\n\x1b[?1049h\x1b[H\x1b[2J~ editing'));
    const alt = await p.snapshot();
    expect(alt.altScreen).toBe(true);
    expect(alt.lines[0]).toBe('~ editing');
    p.resize(50, 6);
    p.push(enc.encode('\x1b[?1049l'));
    const back = await p.snapshot();
    expect(back).toMatchObject({ altScreen: false, cols: 50, rows: 6 });
    expect(back.lines.slice(0, 3)).toEqual(['$ ls', 'file-a  file-b', '$ vim']);
  });
});
