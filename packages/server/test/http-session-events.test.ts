// The numbered event buffer of an HTTP session (SessionEvents) on its own: the bookkeeping per
// event written stays constant however many written events the replay window holds (walking the
// whole window per event made a `$/ping` flood cost ~10x the CPU once ~50k events were held), and
// replay trimming, resume and pending limits keep working across the buffer's compactions.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { SessionEvents } from '../src/http/session-events';

const EVENT = new Uint8Array(64);
const encode = () => EVENT;

/** A buffer whose visits are counted, as the session's stream pump drives it. */
function counted(limits = { maxPendingBytes: 16 * 1024 * 1024, replayBytes: 4 * 1024 * 1024 }) {
  let visits = 0;
  const events = new SessionEvents(limits, {
    visit: () => {
      visits++;
    },
  });
  /** Appends `n` events and writes each as it comes; resolves with the visits that took. */
  const pump = async (n: number): Promise<number> => {
    const before = visits;
    for (let i = 0; i < n; i++) {
      const written = events.append(encode);
      events.markWritten(events.resumeAt(undefined));
      await written;
    }
    return visits - before;
  };
  return { events, pump };
}

describe('SessionEvents bookkeeping', () => {
  it('looks at each event a bounded number of times, however full the replay window is', async () => {
    const { events, pump } = counted();
    // 4 MiB of 64-byte events: the window holds 65 536 of them, then trims one per event.
    await pump(70_000);
    const window = (4 * 1024 * 1024) / EVENT.byteLength;
    expect(events.at(70_000 - window + 1)?.id).toBe(70_000 - window + 1);
    expect(events.at(70_000 - window)).toBeUndefined();
    // Each event is looked at when written and when trimmed: 2 per event, not one per held event.
    expect(await pump(10_000)).toBeLessThanOrEqual(2 * 10_000);
  });

  it('keeps the replay window, resume and trimming right across compactions', async () => {
    // Room for 100 events of 64 bytes: 5 000 events compact the buffer several times.
    const { events, pump } = counted({ maxPendingBytes: 1024, replayBytes: 100 * 64 });
    await pump(5_000);
    expect(events.at(4_900)).toBeUndefined();
    expect(events.at(4_901)?.id).toBe(4_901);
    expect(events.at(5_000)?.id).toBe(5_000);
    expect(events.at(5_001)).toBeUndefined();
    // Resumable from any held event; refused before the window and past the last id sent.
    expect(events.resumeAt(4_900)).toBe(4_901);
    expect(events.resumeAt(5_000)).toBe(5_001);
    expect(() => events.resumeAt(4_899)).toThrow(/Events 4900…4900 are no longer held/);
    expect(() => events.resumeAt(5_001)).toThrow(/was never sent/);
    // Pending events stay until written, even past the replay window; the pending limit holds.
    const pending = Array.from({ length: 16 }, () => events.append(encode));
    expect(() => events.append(encode)).toThrow(OrchflowError);
    expect(events.resumeAt(undefined)).toBe(5_001);
    expect(events.at(5_001)?.id).toBe(5_001);
    events.markWritten(5_008);
    await Promise.all(pending.slice(0, 8));
    expect(events.resumeAt(undefined)).toBe(5_009);
    // A stream that resumes after an id it has marks everything up to it written.
    expect(events.resumeAt(5_010)).toBe(5_011);
    await Promise.all(pending.slice(0, 10));
    expect(events.resumeAt(undefined)).toBe(5_011);
    // Closing rejects only the events never written.
    events.close(new OrchflowError(ErrorCode.InvalidState, 'gone'));
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      ...Array(10).fill('fulfilled'),
      ...Array(6).fill('rejected'),
    ]);
    expect(events.at(5_011)).toBeUndefined();
  });
});

describe('SessionEvents memory release', () => {
  /** A buffer of 64-byte events holding `window` written ones, with its releases listed. */
  function releasing(window: number, maxPendingBytes = 1024) {
    const released: number[] = [];
    const blocks = new Map<Uint8Array, number>();
    const events = new SessionEvents(
      { maxPendingBytes, replayBytes: window * 64 },
      { release: (block) => released.push(blocks.get(block) as number) },
    );
    const append = () =>
      events.append((id) => {
        const block = new Uint8Array(64);
        blocks.set(block, id);
        return block;
      });
    return { events, released, append };
  }

  it('gives an event back once it left the replay window and its write is done, once', () => {
    const { events, released, append } = releasing(2);
    for (let i = 0; i < 4; i++) void append();
    // Event 1 is written (its write done at once), 2's write is still under way when 3 and 4 are.
    const first = events.lend(1);
    first?.done();
    events.markWritten(1);
    const second = events.lend(2);
    events.markWritten(2);
    for (const id of [3, 4]) {
      events.lend(id)?.done();
      events.markWritten(id);
    }
    // 1 and 2 left the window; 2 stays out of the pool while its socket may read it.
    expect(events.at(2)).toBeUndefined();
    expect(released).toEqual([1]);
    second?.done();
    second?.done();
    first?.done();
    expect(released).toEqual([1, 2]);
  });

  it('keeps events in the window, and events lent to two writes until both are done', () => {
    const { events, released, append } = releasing(8);
    void append();
    // A stream replaced mid-write: the old and the new one both write event 1.
    const old = events.lend(1);
    const replacement = events.lend(1);
    events.markWritten(1);
    replacement?.done();
    for (let i = 0; i < 12; i++) {
      void append();
      events.markWritten(i + 2);
    }
    // Written, but held for resume: 2…5 went (4 events over the window), 1 waits for `old`.
    expect(released).toEqual([2, 3, 4, 5]);
    old?.done();
    expect(released).toEqual([2, 3, 4, 5, 1]);
  });

  it('gives back what a close drops and what a full buffer refuses, not what a write holds', async () => {
    const { events, released, append } = releasing(8, 3 * 64);
    const pending = [append(), append(), append()];
    // The fourth is over the pending budget: refused, and its memory comes straight back.
    expect(() => append()).toThrow(OrchflowError);
    expect(released).toEqual([4]);
    const writing = events.lend(3);
    events.close();
    await Promise.allSettled(pending);
    expect(released).toEqual([4, 1, 2]);
    writing?.done();
    expect(released).toEqual([4, 1, 2, 3]);
    expect(events.lend(3)).toBeUndefined();
  });
});
