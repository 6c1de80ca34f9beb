import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { OutputBatcher } from '../src/output/batcher';

const enc = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

interface Flushed {
  text: string;
  offset: number;
  at: number;
  length: number;
}

function collect(options: { intervalMs?: number; maxBytes?: number } = {}): {
  batcher: OutputBatcher;
  flushed: Flushed[];
  next: () => Promise<Flushed>;
} {
  const flushed: Flushed[] = [];
  let wake: (() => void) | undefined;
  const batcher = new OutputBatcher({
    ...options,
    onFlush: (bytes, offset) => {
      // fatal: a chunk that splits a character throws here and fails the test.
      flushed.push({
        text: strict.decode(bytes),
        offset,
        at: performance.now(),
        length: bytes.length,
      });
      wake?.();
    },
  });
  const next = async (): Promise<Flushed> => {
    const seen = flushed.length;
    while (flushed.length === seen) await new Promise<void>((resolve) => (wake = resolve));
    return flushed[seen] as Flushed;
  };
  return { batcher, flushed, next };
}

describe('OutputBatcher', () => {
  it('coalesces a burst into one chunk delivered within the interval', async () => {
    const { batcher, flushed, next } = collect();
    const started = performance.now();
    for (let i = 0; i < 100; i++) batcher.push(enc.encode(`line ${i}\n`));
    expect(flushed).toHaveLength(0);
    const chunk = await next();
    expect(chunk.offset).toBe(0);
    expect(chunk.text.split('\n')).toHaveLength(101);
    // 16 ms plus generous scheduling slack for a loaded CI machine.
    expect(chunk.at - started).toBeLessThan(250);
    expect(batcher.flushedOffset).toBe(chunk.length);
  });

  it('uses one timer per burst, not one per push', async () => {
    const { batcher, flushed } = collect();
    let pushes = 0;
    const started = performance.now();
    while (performance.now() - started < 100) {
      batcher.push(enc.encode('x'));
      pushes++;
      await delay(1);
    }
    batcher.end();
    expect(flushed.map((f) => f.text).join('')).toBe('x'.repeat(pushes));
    expect(flushed.length).toBeLessThan(pushes / 2);
  });

  it('flushes synchronously once the size threshold is reached', () => {
    const { batcher, flushed } = collect({ maxBytes: 1024 });
    batcher.push(new Uint8Array(600).fill(97));
    expect(flushed).toHaveLength(0);
    batcher.push(new Uint8Array(600).fill(98));
    expect(flushed).toHaveLength(1);
    expect(flushed[0]?.length).toBe(1200);
  });

  it('holds back an incomplete character until the next push', () => {
    const { batcher, flushed } = collect();
    const emoji = enc.encode('😀');
    batcher.push(enc.encode('ab'));
    batcher.push(emoji.subarray(0, 3));
    batcher.flush();
    expect(flushed).toEqual([expect.objectContaining({ text: 'ab', offset: 0 })]);
    batcher.push(emoji.subarray(3));
    batcher.flush();
    expect(flushed[1]).toMatchObject({ text: '😀', offset: 2 });
    expect(batcher.flushedOffset).toBe(6);
  });

  it('emits a held-back tail on end() and refuses later pushes', () => {
    const flushed: Uint8Array[] = [];
    const batcher = new OutputBatcher({
      onFlush: (bytes) => flushed.push(bytes.slice()),
    });
    batcher.push(enc.encode('€').subarray(0, 2));
    batcher.flush();
    expect(flushed).toHaveLength(0);
    batcher.end();
    expect(flushed).toEqual([enc.encode('€').subarray(0, 2)]);
    expect(() => batcher.push(enc.encode('x'))).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidState }),
    );
  });

  it('never splits a character whatever the push boundaries', () => {
    const text = 'aé中😀👩‍💻\x1b[0m'.repeat(2000);
    const all = enc.encode(text);
    const { batcher, flushed } = collect({ maxBytes: 97 });
    let state = 3;
    for (let i = 0; i < all.length; ) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (state % 13);
      batcher.push(all.slice(i, i + n));
      if (state % 5 === 0) batcher.flush();
      i += n;
    }
    batcher.end();
    expect(flushed.map((f) => f.text).join('')).toBe(text);
    let offset = 0;
    for (const f of flushed) {
      expect(f.offset).toBe(offset);
      offset += f.length;
    }
  });
});
