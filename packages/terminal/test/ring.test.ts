import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { OutputRing } from '../src/output/ring';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

/** Deterministic pseudo-random integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

function mixedText(chars: number, seed: number): string {
  const alphabet = ['a', 'Z', ' ', '\n', 'é', 'ß', '中', '€', '😀', '👩‍💻', '\x1b[31m'];
  const pick = rng(seed);
  let s = '';
  for (let i = 0; i < chars; i++) s += alphabet[pick(alphabet.length)];
  return s;
}

describe('OutputRing', () => {
  it('wraps around and keeps absolute offsets', () => {
    const ring = new OutputRing(10);
    ring.append(bytes('012345'));
    ring.append(bytes('6789ab'));
    ring.append(bytes('c'));
    expect(ring.startOffset).toBe(3);
    expect(ring.endOffset).toBe(13);
    expect(new TextDecoder().decode(ring.readBytes(0, 100))).toBe('3456789abc');
    expect(new TextDecoder().decode(ring.readBytes(8, 12))).toBe('89ab');
    expect(ring.read({ fromOffset: 9 })).toEqual({
      data: '9abc',
      offset: 9,
      nextOffset: 13,
      endOffset: 13,
    });
  });

  it('keeps only the tail of an append larger than the capacity', () => {
    const ring = new OutputRing(4);
    ring.append(bytes('ab'));
    ring.append(bytes('0123456789'));
    expect(ring.startOffset).toBe(8);
    expect(ring.endOffset).toBe(12);
    expect(ring.read().data).toBe('6789');
  });

  it('reports a gap when the asked-for bytes rotated out', () => {
    const ring = new OutputRing(8);
    ring.append(bytes('abcdefghijkl'));
    expect(ring.read({ fromOffset: 1, maxBytes: 3 })).toEqual({
      data: 'efg',
      offset: 4,
      nextOffset: 7,
      endOffset: 12,
      gap: { from: 1, to: 4 },
    });
    expect(ring.read({ fromOffset: 4 }).gap).toBeUndefined();
  });

  it('holds back a character split across appends until it is complete', () => {
    const ring = new OutputRing(64);
    const emoji = bytes('😀');
    ring.append(bytes('hi '));
    ring.append(emoji.subarray(0, 2));
    expect(ring.read()).toEqual({
      data: 'hi ',
      offset: 0,
      nextOffset: 3,
      endOffset: 5,
    });
    ring.append(emoji.subarray(2));
    expect(ring.read({ fromOffset: 3 })).toEqual({
      data: '😀',
      offset: 3,
      nextOffset: 7,
      endOffset: 7,
    });
  });

  it('skips the rest of a character whose first bytes rotated out of the ring', () => {
    const ring = new OutputRing(6);
    ring.append(bytes('ab😀cdef'));
    // 10 bytes: 'a','b' and the emoji's first two bytes are gone, its last two are retained.
    expect(ring.startOffset).toBe(4);
    expect(ring.read()).toEqual({
      data: 'cdef',
      offset: 6,
      nextOffset: 10,
      endOffset: 10,
    });
    expect(ring.read({ fromOffset: 0 }).gap).toEqual({ from: 0, to: 6 });
  });

  it('moves an offset inside a character to the next character', () => {
    const ring = new OutputRing(64);
    ring.append(bytes('x€y'));
    expect(ring.read({ fromOffset: 2 })).toEqual({
      data: 'y',
      offset: 4,
      nextOffset: 5,
      endOffset: 5,
    });
  });

  it('returns one whole character when maxBytes is smaller than it', () => {
    const ring = new OutputRing(64);
    ring.append(bytes('😀😀'));
    expect(ring.read({ maxBytes: 1 })).toMatchObject({
      data: '😀',
      nextOffset: 4,
    });
    expect(ring.read({ fromOffset: 4, maxBytes: 6 })).toMatchObject({
      data: '😀',
      nextOffset: 8,
    });
  });

  it('keeps a byte order mark that the program printed', () => {
    const ring = new OutputRing(64);
    ring.append(bytes('\uFEFFx'));
    expect(ring.read().data).toBe('\uFEFFx');
  });

  it('pages through wrapped mixed text covering every byte exactly once', () => {
    const text = mixedText(20_000, 7);
    const all = bytes(text);
    const ring = new OutputRing(all.length + 13);
    const pick = rng(42);
    ring.append(bytes('0123456789abc'.repeat(3)));
    const base = ring.endOffset;
    for (let i = 0; i < all.length; ) {
      const n = 1 + pick(300);
      ring.append(all.subarray(i, i + n));
      i += n;
    }
    expect(ring.startOffset).toBeGreaterThan(0);
    let offset = base;
    let out = '';
    while (offset < ring.endOffset) {
      const page = ring.read({ fromOffset: offset, maxBytes: 1 + pick(40) });
      expect(page.offset).toBe(offset);
      expect(page.nextOffset).toBeGreaterThan(offset);
      expect(page.gap).toBeUndefined();
      out += page.data;
      offset = page.nextOffset;
    }
    expect(out).toBe(text);
    expect(ring.readBytes(base, ring.endOffset)).toEqual(all);
  });

  it('rejects an offset beyond the end with an actionable error', () => {
    const ring = new OutputRing(16);
    ring.append(bytes('abc'));
    expect(ring.read({ fromOffset: 3 }).data).toBe('');
    try {
      ring.read({ fromOffset: 4 });
      expect.unreachable();
    } catch (error) {
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.InvalidParams);
      expect((error as Error).message).toMatch(/endOffset/);
    }
  });

  it('grows towards its capacity keeping every byte at its offset, whatever the append sizes', () => {
    // Capacities below, at and above the first allocation (512 bytes); appends from 1 byte to more
    // than the capacity, so growth, wrapping and oversized appends all meet. The byte at absolute
    // offset o is o % 251, so what the ring must hold is known without keeping a copy.
    for (const [seed, capacity] of [
      [7, 100],
      [8, 512],
      [9, 513],
      [1, 1000],
      [2, 4 * 1024],
      [3, 4 * 1024 + 1],
      [6, 16 * 1024 + 1],
      [4, 100_000],
      [5, 1 << 20],
    ] as const) {
      const pick = rng(seed);
      const ring = new OutputRing(capacity);
      let end = 0;
      for (let step = 0; step < 40; step++) {
        const size = [1, 7, 4096, 16 * 1024, capacity - 1, capacity + 3][pick(6)] as number;
        const chunk = new Uint8Array(size);
        for (let i = 0; i < size; i++) chunk[i] = (end + i) % 251;
        ring.append(chunk);
        end += size;
        const start = Math.max(0, end - capacity);
        expect([ring.startOffset, ring.endOffset]).toEqual([start, end]);
        const held = ring.readBytes(0, end);
        expect(held.length).toBe(end - start);
        const wrong = held.findIndex((byte, i) => byte !== (start + i) % 251);
        expect({ capacity, step, wrong }).toEqual({ capacity, step, wrong: -1 });
      }
    }
  });
});
