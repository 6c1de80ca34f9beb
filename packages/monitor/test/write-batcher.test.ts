import { describe, expect, it } from 'vitest';
import { DROPPED_MARKER, WriteBatcher } from '../src/app/lib/write-batcher';

/** A scheduler the test runs by hand, like animation frames that have not fired yet. */
function manualFrames(): {
  schedule: (callback: () => void) => void;
  run: () => void;
  pending: () => number;
} {
  let queue: (() => void)[] = [];
  return {
    schedule: (callback) => queue.push(callback),
    run: () => {
      const callbacks = queue;
      queue = [];
      for (const callback of callbacks) callback();
    },
    pending: () => queue.length,
  };
}

describe('WriteBatcher', () => {
  it('hands all text of one frame to the sink in a single write', () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = new WriteBatcher((text) => writes.push(text), {
      schedule: frames.schedule,
      maxPendingChars: 1_000,
    });
    batcher.push('a');
    batcher.push('b');
    batcher.push('c');
    expect(frames.pending()).toBe(1);
    expect(writes).toEqual([]);
    frames.run();
    expect(writes).toEqual(['abc']);
    batcher.push('d');
    frames.run();
    expect(writes).toEqual(['abc', 'd']);
  });

  it('keeps only the newest text, behind a marker, when frames do not come (a hidden tab)', () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = new WriteBatcher((text) => writes.push(text), {
      schedule: frames.schedule,
      maxPendingChars: 10,
    });
    for (let i = 0; i < 100; i++) batcher.push(`${i % 10}`.repeat(3));
    expect(batcher.pendingChars).toBe(10);
    frames.run();
    expect(writes).toEqual([`${DROPPED_MARKER}6777888999`]);
  });

  it('writes nothing after dispose', () => {
    const frames = manualFrames();
    const writes: string[] = [];
    const batcher = new WriteBatcher((text) => writes.push(text), {
      schedule: frames.schedule,
      maxPendingChars: 100,
    });
    batcher.push('x');
    batcher.dispose();
    frames.run();
    batcher.push('y');
    frames.run();
    expect(writes).toEqual([]);
  });

  it('switches to a new schedule for later flushes', () => {
    const fast = manualFrames();
    const slow = manualFrames();
    const writes: string[] = [];
    const batcher = new WriteBatcher((text) => writes.push(text), {
      schedule: fast.schedule,
      maxPendingChars: 100,
    });
    batcher.schedule(slow.schedule);
    batcher.push('z');
    expect(fast.pending()).toBe(0);
    slow.run();
    expect(writes).toEqual(['z']);
  });
});
