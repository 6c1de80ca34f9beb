// FramePool: the memory of a written frame carries the next one, and only memory the pool handed
// out, once, comes back.
import { describe, expect, it } from 'vitest';
import { FramePool } from '../src/ws/frame-pool';

describe('FramePool', () => {
  it('hands out frames of the asked size and reuses the memory of one given back', () => {
    const pool = new FramePool(1024, 2);
    const first = pool.take(100);
    expect(first.length).toBe(100);
    pool.give(first);
    expect(pool.idleCount).toBe(1);
    const second = pool.take(700);
    expect(second.length).toBe(700);
    expect(second.buffer).toBe(first.buffer);
    expect(pool.idleCount).toBe(0);
  });

  it('gives frames in use their own memory', () => {
    const pool = new FramePool(1024, 2);
    const a = pool.take(10);
    const b = pool.take(10);
    expect(b.buffer).not.toBe(a.buffer);
    a.fill(1);
    b.fill(2);
    expect([...a]).toEqual(new Array(10).fill(1));
  });

  it('does not pool frames larger than its capacity, nor memory it did not hand out', () => {
    const pool = new FramePool(1024, 2);
    const big = pool.take(4096);
    expect(big.length).toBe(4096);
    pool.give(big);
    pool.give(Buffer.alloc(1024));
    expect(pool.idleCount).toBe(0);
  });

  it('keeps at most maxIdle buffers and ignores a frame given back twice', () => {
    const pool = new FramePool(1024, 2);
    const frames = [pool.take(1), pool.take(1), pool.take(1)];
    pool.give(frames[0] as Buffer);
    pool.give(frames[0] as Buffer);
    expect(pool.idleCount).toBe(1);
    for (const frame of frames) pool.give(frame);
    expect(pool.idleCount).toBe(2);
    // Two takes now get two different buffers, never one memory twice.
    expect(pool.take(1).buffer).not.toBe(pool.take(1).buffer);
  });
});
