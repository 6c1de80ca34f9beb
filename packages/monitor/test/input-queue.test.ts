import { describe, expect, it } from 'vitest';
import { InputQueue } from '../src/app/lib/input-queue';

/** A send whose calls the test completes by hand. */
function manualSend(): {
  send: (data: string) => Promise<void>;
  sent: string[];
  finish: (error?: Error) => void;
} {
  const sent: string[] = [];
  const waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    sent,
    send: (data) =>
      new Promise<void>((resolve, reject) => {
        sent.push(data);
        waiting.push({ resolve, reject });
      }),
    finish: (error) => {
      const call = waiting.shift();
      if (error) call?.reject(error);
      else call?.resolve();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('InputQueue', () => {
  it('sends one write at a time, in order, coalescing what is typed meanwhile', async () => {
    const link = manualSend();
    const queue = new InputQueue(link.send);
    queue.push('e');
    queue.push('c');
    queue.push('h');
    queue.push('o');
    expect(link.sent).toEqual(['e']);
    link.finish();
    await tick();
    expect(link.sent).toEqual(['e', 'cho']);
    link.finish();
    await tick();
    queue.push('\r');
    expect(link.sent).toEqual(['e', 'cho', '\r']);
  });

  it('reports a failed write and carries on with later input', async () => {
    const link = manualSend();
    const errors: unknown[] = [];
    const queue = new InputQueue(link.send, (error) => errors.push(error));
    queue.push('a');
    queue.push('b');
    link.finish(new Error('FloorHeld'));
    await tick();
    expect(errors).toHaveLength(1);
    expect(link.sent).toEqual(['a', 'b']);
  });
});
