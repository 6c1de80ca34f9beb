// Long-lived bytes of a terminal must not keep one of Node's shared 8 KiB Buffer pools alive.
import { describe, expect, it } from 'vitest';
import { ownBuffer } from '../src/own-buffer';

describe('ownBuffer', () => {
  it('holds exactly the encoded bytes, in memory of its own', () => {
    const pooled = Buffer.from('\x1b]633;orchflow-drained;0123abcd\x07');
    // What the helper avoids: a short Buffer.from is a view into a much larger shared pool.
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    for (const [text, encoding] of [
      ['\x1b]633;orchflow-drained;0123abcd\x07', 'utf8'],
      ['0123456789abcdef', 'latin1'],
      ['päß ✓', 'utf8'],
      ['', 'utf8'],
    ] as const) {
      const own = ownBuffer(text, encoding);
      expect(own.equals(Buffer.from(text, encoding))).toBe(true);
      expect([own.byteOffset, own.buffer.byteLength]).toEqual([0, own.length]);
    }
  });
});
