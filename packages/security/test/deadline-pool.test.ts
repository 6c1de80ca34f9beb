// DeadlinePool: worker threads that answer one job each within a deadline. What callers rely on:
// replies come back to the job that asked, a job past its deadline is lost and its worker
// replaced, a retiring worker takes no second job, and a pool that cannot start a worker loses
// the job instead of leaving it queued or throwing from an event handler.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DeadlinePool } from '../src/worker-pool/deadline-pool';

// Answers `{ id, echo }` at once, or never for `hang`; `retire` asks to be replaced.
const SOURCE = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (job) => {
  if (job.hang) for (;;) {}
  parentPort.postMessage({ id: job.id, echo: job.value, thread: threadId, retire: job.retire === true });
});
`;

interface Request {
  value?: string;
  hang?: boolean;
  retire?: boolean;
}
interface Reply {
  id: number;
  echo?: string;
  thread: number;
  retire: boolean;
}

function pool(size = 1, deadlineMs = 2_000) {
  return new DeadlinePool<Request, Reply>({
    start: () => new Worker(SOURCE, { eval: true }),
    size,
    deadlineMs,
    retires: (reply) => reply.retire,
  });
}

describe('DeadlinePool', { timeout: 30_000 }, () => {
  it('answers each job with its own reply, reusing the worker', async () => {
    const p = pool(1);
    const [a, b] = await Promise.all([p.run({ value: 'a' }), p.run({ value: 'b' })]);
    if (!('reply' in a) || !('reply' in b)) throw new Error('expected replies');
    expect([a.reply.echo, b.reply.echo]).toEqual(['a', 'b']);
    expect(a.reply.thread).toBe(b.reply.thread);
  });

  it('loses a job past its deadline, replaces the worker, and answers the next', async () => {
    const p = pool(1, 300);
    const hung = await p.run({ hang: true });
    expect(hung).toEqual({ lost: { kind: 'deadline', ms: 300 } });
    const next = await p.run({ value: 'after' });
    expect('reply' in next && next.reply.echo).toBe('after');
  });

  it('starts a fresh worker after one retires', async () => {
    const p = pool(1);
    const first = await p.run({ value: 'x', retire: true });
    const second = await p.run({ value: 'y' });
    if (!('reply' in first) || !('reply' in second)) throw new Error('expected replies');
    expect(second.reply.thread).not.toBe(first.reply.thread);
  });

  it('loses every job when no worker can start, without throwing', async () => {
    const p = new DeadlinePool<Request, Reply>({
      start: () => {
        throw new Error('no threads left');
      },
      size: 2,
      deadlineMs: 1_000,
    });
    const outcomes = await Promise.all([p.run({ value: 'a' }), p.run({ value: 'b' }), p.run({ value: 'c' })]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ lost: { kind: 'error', error: { message: 'no threads left' } } });
    }
  });
});
