// Command markers go between the right output bytes, never inside a character.
import { describe, expect, test } from 'vitest';
import { MarkerQueue, type MarkerSink, type PendingMarker } from '../src/recording/marker-queue';

function recordingSink(): { sink: MarkerSink; seen: string[] } {
  const seen: string[] = [];
  const sink: MarkerSink = {
    output: (_time, bytes) => seen.push(Buffer.from(bytes).toString('utf8')),
    marker: (marker) => seen.push(`<${marker.type}>`),
  };
  return { sink, seen };
}

const marker = (type: 'start' | 'end', offset: number): PendingMarker => ({
  type,
  offset,
  time: 0,
  record: { command: 'x', startedAt: '2026-01-01T00:00:00.000Z' } as PendingMarker['record'],
});

describe('MarkerQueue', () => {
  // 'ab€c' at offset 100: a 100, b 101, € 102–104, c 105.
  test('splits a chunk at a marker that falls between characters', () => {
    const { sink, seen } = recordingSink();
    const queue = new MarkerQueue(100);
    queue.add(marker('start', 102), sink);
    queue.output(100, Buffer.from('ab€c'), 1, sink);
    expect(seen).toEqual(['ab', '<start>', '€c']);
  });

  test('moves a marker that falls inside a character to the end of that character', () => {
    for (const offset of [103, 104]) {
      const { sink, seen } = recordingSink();
      const queue = new MarkerQueue(100);
      queue.add(marker('end', offset), sink);
      queue.output(100, Buffer.from('ab€c'), 1, sink);
      expect(seen).toEqual(['ab€', '<end>', 'c']);
    }
  });

  test('writes a marker at once when its output was already seen, and in order after others', () => {
    const { sink, seen } = recordingSink();
    const queue = new MarkerQueue(0);
    queue.output(0, Buffer.from('one'), 1, sink);
    queue.add(marker('start', 3), sink);
    queue.add(marker('end', 7), sink);
    queue.add(marker('start', 7), sink);
    queue.output(3, Buffer.from('-two'), 2, sink);
    queue.output(7, Buffer.from('!'), 3, sink);
    expect(seen).toEqual(['one', '<start>', '-two', '<end>', '<start>', '!']);
  });
});
