// FramePool: the memory of a written frame carries the next large one; small and oversized frames
// get memory of their own; only memory the pool handed out, once, comes back.
import { describe, expect, it } from 'vitest';
import { FramePool } from '../src/ws/frame-pool';

describe('FramePool', () => {
  it('hands out frames of the asked size and reuses the memory of one given back', () => {
    const pool = new FramePool(1024, 2);
    const first = pool.take(600);
    expect(first.length).toBe(600);
    pool.give(first);
    expect(pool.idleCount).toBe(1);
    const second = pool.take(1000);
    expect(second.length).toBe(1000);
    expect(second.buffer).toBe(first.buffer);
    expect(pool.idleCount).toBe(0);
  });

  it('gives frames in use their own memory', () => {
    const pool = new FramePool(1024, 2);
    const a = pool.take(600);
    const b = pool.take(600);
    expect(b.buffer).not.toBe(a.buffer);
    a.fill(1);
    b.fill(2);
    expect(a.every((byte) => byte === 1)).toBe(true);
  });

  it('pools neither frames under half its capacity nor over it, nor memory it did not hand out', () => {
    const pool = new FramePool(1024, 2);
    // A small frame in flight must not pin a whole buffer.
    const small = pool.take(100);
    const big = pool.take(4096);
    expect([small.length, big.length]).toEqual([100, 4096]);
    pool.give(small);
    pool.give(big);
    pool.give(Buffer.alloc(1024));
    expect(pool.idleCount).toBe(0);
  });

  it('keeps at most maxIdle buffers and ignores a frame given back twice', () => {
    const pool = new FramePool(1024, 2);
    const frames = [pool.take(600), pool.take(600), pool.take(600)];
    pool.give(frames[0] as Buffer);
    pool.give(frames[0] as Buffer);
    expect(pool.idleCount).toBe(1);
    // Its memory now carries another frame: a late second give must not free that one.
    const reused = pool.take(700);
    expect(reused.buffer).toBe(frames[0]?.buffer);
    pool.give(frames[0] as Buffer);
    expect(pool.idleCount).toBe(0);
    for (const frame of frames) pool.give(frame);
    expect(pool.idleCount).toBe(2);
    expect(pool.take(600).buffer).not.toBe(pool.take(600).buffer);
  });
});
