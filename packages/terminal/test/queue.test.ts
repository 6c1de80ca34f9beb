import { describe, expect, test } from 'vitest';
import { SerialQueue } from '../src/exec/queue';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('SerialQueue', () => {
  test('runs jobs one at a time in the order queued, through rejections and idle spells', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const job =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await later(undefined, ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const first = queue.run(job('a', 20));
    const second = queue.run(job('b', 1, true));
    const third = queue.run(job('c', 5));
    expect(queue.size).toBe(3);
    await expect(first).resolves.toBe('a');
    await expect(second).rejects.toThrow('b');
    await expect(third).resolves.toBe('c');
    expect(queue.size).toBe(0);
    // Idle now: the next job starts on its own, and still waits for one queued before it.
    await later(undefined, 5);
    const fourth = queue.run(job('d', 10));
    const fifth = queue.run(job('e', 20));
    // Queued once d is done and while e runs: it waits for e.
    await fourth;
    const sixth = queue.run(job('f', 1));
    await Promise.all([fifth, sixth]);
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].flatMap((name) => [`start ${name}`, `end ${name}`]));
    // Queued as the only job settles (from its caller's continuation): it still runs, once, after.
    const eighth = queue.run(job('g', 1)).then(() => queue.run(job('h', 1)));
    await expect(eighth).resolves.toBe('h');
    expect(log.slice(-4)).toEqual(['start g', 'end g', 'start h', 'end h']);
    expect(queue.size).toBe(0);
  });
});
