// ChannelFeed.handedOut: what lets a server send a command's result only after the output a
// subscriber has not been sent yet (queued behind a send the transport has not accepted).
import { describe, expect, it } from 'vitest';
import { ChannelFeed, type FeedNotification } from '../src/output/channel-feed';
import { OutputPipeline } from '../src/output/pipeline';

const enc = new TextEncoder();

/** A feed over a real pipeline whose sends resolve only when the test accepts them. */
function gatedFeed(options: { maxStallMs?: number } = {}) {
  const pipeline = new OutputPipeline({ batchIntervalMs: 60_000 });
  const sent: string[] = [];
  const accept: Array<() => void> = [];
  const feed = new ChannelFeed({
    terminalId: 't',
    exited: new Promise(() => undefined),
    notify: (note: FeedNotification) => {
      if (note.method === 'terminal.output') sent.push(note.params.data);
      return new Promise<void>((resolve) => accept.push(resolve));
    },
    subscribe: (o, listener) => pipeline.subscribe(o, listener),
    highWaterMark: 1024,
    maxStallMs: options.maxStallMs ?? 60_000,
  });
  feed.attach(pipeline.subscribe({ fromOffset: 0, manualAck: true, highWaterMark: 1024 }, feed.push));
  const say = (text: string): void => {
    pipeline.push(enc.encode(text));
    pipeline.flush();
  };
  return { pipeline, feed, sent, accept, say };
}

// The waits a feed holds are private; a leak of them shows nowhere else until memory runs out.
function waitersOf(feed: ChannelFeed): number {
  return Array.from((feed as unknown as { waiters: Iterable<unknown> }).waiters).length;
}

describe('ChannelFeed.handedOut', () => {
  it('is undefined when everything flushed was sent', () => {
    const { pipeline, feed, say } = gatedFeed();
    expect(feed.handedOut(pipeline.endOffset)).toBeUndefined();
    say('one');
    // Sent (not yet accepted): a reply sent now follows it.
    expect(feed.handedOut(pipeline.endOffset)).toBeUndefined();
  });

  it('waits for output queued behind a send in flight, and resolves once it was sent', async () => {
    const { pipeline, feed, sent, accept, say } = gatedFeed();
    say('first');
    say('second');
    expect(sent).toEqual(['first']);
    let done = false;
    const waiting = feed.handedOut(pipeline.endOffset)?.then(() => {
      done = true;
    });
    expect(waiting).toBeDefined();
    await Promise.resolve();
    expect(done).toBe(false);
    accept.shift()?.();
    await waiting;
    expect(sent).toEqual(['first', 'second']);
  });

  it('waits while the credit holds output back, until the ack releases it', async () => {
    const { pipeline, feed, sent, accept, say } = gatedFeed();
    say('a'.repeat(1024));
    say('held');
    expect(sent).toHaveLength(1);
    const waiting = feed.handedOut(pipeline.endOffset);
    expect(waiting).toBeDefined();
    accept.shift()?.();
    await waiting;
    expect(sent.at(-1)).toBe('held');
  });

  it('waits only for the output flushed before the call, however much follows it', async () => {
    const { pipeline, feed, sent, accept, say } = gatedFeed();
    say('first');
    say('second');
    const waiting = feed.handedOut(pipeline.endOffset);
    say('later');
    say('and later');
    accept.shift()?.();
    await waiting;
    // 'second' was sent; the feed is still busy with what followed the call.
    expect(sent).toEqual(['first', 'second']);
  });

  it('does not wait on a closed feed, and releases a waiter when the feed closes', async () => {
    const { pipeline, feed, say } = gatedFeed();
    say('first');
    say('second');
    const waiting = feed.handedOut(pipeline.endOffset);
    feed.close();
    await waiting;
    expect(feed.handedOut(pipeline.endOffset)).toBeUndefined();
  });

  it("takes a maxStallMs beyond a timer's range as forever, not as 1 ms", async () => {
    const { pipeline, feed, say } = gatedFeed({ maxStallMs: 2 ** 32 });
    say('a'.repeat(1024));
    say('held back');
    const waiting = feed.handedOut(pipeline.endOffset);
    expect(waiting).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(feed.isLossy).toBe(false);
    feed.close();
    await waiting;
  });

  it('releases a waiter when the slow-consumer rule demotes the feed', async () => {
    const { pipeline, feed, say } = gatedFeed({ maxStallMs: 50 });
    say('a'.repeat(1024));
    say('held back');
    const waiting = feed.handedOut(pipeline.endOffset);
    expect(waiting).toBeDefined();
    await waiting;
    expect(feed.isLossy).toBe(true);
  });

  it('drops a wait whose signal aborts, so bounded waits on a stalled feed do not pile up', async () => {
    const { pipeline, feed, sent, accept, say } = gatedFeed();
    say('first');
    say('second');
    for (let i = 0; i < 5; i++) {
      const giveUp = new AbortController();
      const waiting = feed.handedOut(pipeline.endOffset, giveUp.signal);
      expect(waiting).toBeDefined();
      giveUp.abort(new Error('bound'));
      expect(waitersOf(feed)).toBe(0);
      await expect(waiting).rejects.toThrow('bound');
    }
    const giveUp = new AbortController();
    giveUp.abort();
    await expect(feed.handedOut(pipeline.endOffset, giveUp.signal)).rejects.toBeDefined();
    expect(waitersOf(feed)).toBe(0);
    // A wait that is not aborted still resolves once the feed catches up; a later abort is a no-op.
    const later = new AbortController();
    const waiting = feed.handedOut(pipeline.endOffset, later.signal);
    accept.shift()?.();
    await waiting;
    later.abort();
    expect(sent).toEqual(['first', 'second']);
    expect(waitersOf(feed)).toBe(0);
  });
});
