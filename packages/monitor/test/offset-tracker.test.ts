import { describe, expect, it } from 'vitest';
import { dropLeadingBytes, OffsetTracker, type TrackedPiece } from '../src/app/lib/offset-tracker';

const text = (pieces: TrackedPiece[]): string =>
  pieces.map((piece) => (piece.kind === 'text' ? piece.text : `<hole ${piece.from}-${piece.to}>`)).join('');

describe('OffsetTracker', () => {
  it('starts a fresh view at the oldest retained byte without calling the rotated-out part a hole', () => {
    const tracker = new OffsetTracker();
    expect(tracker.resumeOffset()).toBe(0);
    expect(text(tracker.data(5_000, 5_005, 'hello'))).toBe('hello');
    expect(tracker.next).toBe(5_005);
    expect(tracker.resumeOffset()).toBe(5_005);
  });

  it('drops a chunk it already has and cuts the overlapping head of a replayed chunk', () => {
    const tracker = new OffsetTracker();
    tracker.data(0, 6, 'abcdef');
    expect(tracker.data(0, 6, 'abcdef')).toEqual([]);
    expect(tracker.data(2, 4, 'cd')).toEqual([]);
    expect(text(tracker.data(3, 9, 'defghi'))).toBe('ghi');
    expect(tracker.next).toBe(9);
  });

  it('reports a jump forward as a hole before the text', () => {
    const tracker = new OffsetTracker();
    tracker.data(0, 3, 'abc');
    expect(tracker.data(10, 12, 'xy')).toEqual([
      { kind: 'hole', from: 3, to: 10 },
      { kind: 'text', text: 'xy' },
    ]);
    expect(tracker.resumeOffset()).toBe(12);
  });

  it('resumes after a reconnect so a replay overlapping the view shows every byte once', () => {
    const tracker = new OffsetTracker();
    let shown = '';
    shown += text(tracker.data(0, 4, 'one '));
    shown += text(tracker.data(4, 8, 'two '));
    // The connection drops; the new subscription replays from the resume offset, and a server
    // that sends a little earlier (a chunk boundary) must not duplicate anything.
    const from = tracker.resumeOffset();
    expect(from).toBe(8);
    shown += text(tracker.data(4, 14, 'two three '));
    shown += text(tracker.data(14, 19, 'four.'));
    expect(shown).toBe('one two three four.');
  });

  it('turns a gap notice into one hole and continues after it; a gap it is past is ignored', () => {
    const tracker = new OffsetTracker();
    tracker.data(0, 2, 'ab');
    expect(tracker.gap(2, 50)).toEqual([{ kind: 'hole', from: 2, to: 50 }]);
    expect(tracker.gap(10, 40)).toEqual([]);
    expect(text(tracker.data(50, 52, 'yz'))).toBe('yz');
  });

  it('clips a gap that starts before bytes the view already shows', () => {
    const tracker = new OffsetTracker();
    tracker.data(0, 10, '0123456789');
    expect(tracker.gap(5, 20)).toEqual([{ kind: 'hole', from: 10, to: 20 }]);
  });

  it('counts overlap in UTF-8 bytes, not characters', () => {
    const tracker = new OffsetTracker();
    tracker.data(0, 3, 'é '); // é is two bytes
    expect(text(tracker.data(0, 7, 'é ñx'))).toBe('ñx');
  });
});

describe('dropLeadingBytes', () => {
  it('never starts inside a multi-byte character', () => {
    expect(dropLeadingBytes('ébc', 1)).toBe('bc');
    expect(dropLeadingBytes('abc', 0)).toBe('abc');
    expect(dropLeadingBytes('abc', 5)).toBe('');
  });
});
