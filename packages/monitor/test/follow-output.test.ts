import type { OutputEvent, ReadResult } from '@orchflow/client';
import { describe, expect, it } from 'vitest';
import { followOutput, type OutputSource } from '../src/app/lib/follow-output';
import { OffsetTracker } from '../src/app/lib/offset-tracker';

/** A terminal's output as a client would deliver it: a list of events per subscription. */
function source(
  subscriptions: (OutputEvent[] | Error)[],
  pages: ReadResult[] = [],
): OutputSource & { asked: (number | undefined)[]; reads: (number | undefined)[] } {
  const asked: (number | undefined)[] = [];
  const reads: (number | undefined)[] = [];
  return {
    asked,
    reads,
    async *stream(options) {
      asked.push(options.fromOffset);
      const next = subscriptions.shift();
      if (next === undefined || next instanceof Error) throw next ?? new Error('no more subscriptions');
      for (const event of next) {
        if (event instanceof Error) throw event;
        yield event;
      }
      if (next.at(-1)?.type !== 'end') throw new Error('connection closed');
    },
    async read(options) {
      reads.push(options.fromOffset);
      const page = pages.shift();
      if (!page) throw new Error('no more pages');
      return page;
    },
  };
}

const data = (offset: number, text: string): OutputEvent => ({
  type: 'data',
  data: text,
  offset,
  nextOffset: offset + Buffer.byteLength(text),
});

describe('followOutput', () => {
  it('resumes a second subscription from the view’s offset and shows the overlap once', async () => {
    const tracker = new OffsetTracker();
    let shown = '';
    const write = (text: string): void => {
      shown += text;
    };
    const terminal = source([
      [data(0, 'hello '), data(6, 'wor')],
      [data(6, 'world'), data(11, '!'), { type: 'end', offset: 12 }],
    ]);
    await expect(followOutput(terminal, tracker, write, new AbortController().signal)).rejects.toThrow(
      'connection closed',
    );
    expect(await followOutput(terminal, tracker, write, new AbortController().signal)).toBe('ended');
    expect(terminal.asked).toEqual([0, 9]);
    expect(shown).toBe('hello world!');
  });

  it('marks a gap notice in the view', async () => {
    let shown = '';
    const terminal = source([
      [data(0, 'a'), { type: 'gap', from: 1, to: 100 }, data(100, 'b'), { type: 'end', offset: 101 }],
    ]);
    await followOutput(
      terminal,
      new OffsetTracker(),
      (text) => (shown += text),
      new AbortController().signal,
    );
    expect(shown).toMatch(/^a\r\n.*99 bytes of output not shown.*\r\nb$/);
  });

  it('reads the retained output page by page when the terminal cannot be subscribed to', async () => {
    let shown = '';
    const terminal = source(
      [new Error('terminal exited')],
      [
        { data: 'first ', offset: 0, nextOffset: 6, endOffset: 12 },
        { data: 'second', offset: 6, nextOffset: 12, endOffset: 12 },
      ],
    );
    const tracker = new OffsetTracker();
    expect(
      await followOutput(terminal, tracker, (text) => (shown += text), new AbortController().signal),
    ).toBe('read');
    expect(terminal.reads).toEqual([0, 6]);
    expect(shown).toBe('first second');
    expect(tracker.resumeOffset()).toBe(12);
  });

  it('resolves aborted when the view goes away', async () => {
    const abort = new AbortController();
    abort.abort();
    const terminal = source([new Error('aborted underneath')]);
    expect(await followOutput(terminal, new OffsetTracker(), () => undefined, abort.signal)).toBe('aborted');
  });
});
