// `streamOutput`: replay from an offset, live output, end of stream, and backpressure — a slow
// consumer pauses the PTY instead of letting output pile up.
import type { StreamEvent } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('streamOutput', () => {
  it('replays from an offset, continues live and ends when the terminal exits', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    const first = await t.execute('echo first-line');
    const from = first.outputOffset ?? 0;
    let text = '';
    let last: StreamEvent | undefined;
    const reading = (async () => {
      for await (const ev of orch.streamOutput(t.id, { fromOffset: from })) {
        last = ev;
        if (ev.type === 'data') {
          expect(ev.offset).toBeGreaterThanOrEqual(from);
          text += ev.data;
        }
      }
    })();
    await waitFor(() => text.includes('first-line'), 'replayed output');
    t.write('echo second-line; exit\n');
    await reading;
    expect(text.indexOf('first-line')).toBeLessThan(text.indexOf('second-line'));
    expect(last?.type).toBe('end');
  });

  it('resumes exactly where a previous stream stopped', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    await t.execute('echo one');
    let resumeAt = 0;
    let before = '';
    for await (const ev of t.stream({ fromOffset: 0 })) {
      if (ev.type !== 'data') continue;
      before += ev.data;
      resumeAt = ev.nextOffset;
      if (before.includes('one')) break;
    }
    await t.execute('echo two');
    let after = '';
    for await (const ev of t.stream({ fromOffset: resumeAt })) {
      if (ev.type !== 'data') continue;
      expect(ev.offset).toBe(resumeAt);
      resumeAt = ev.nextOffset;
      after += ev.data;
      if (after.includes('two')) break;
    }
    // Nothing lost or repeated at the seam: both streams together are the scrollback up to here.
    expect(before + after).toBe(t.read({ fromOffset: 0, maxBytes: resumeAt }).data);
  });

  it('pauses the PTY while a slow consumer holds events, so output does not grow without bound', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    const highWaterMark = 64 * 1024;
    const iterator = orch.streamOutput(t.id, { highWaterMark })[Symbol.asyncIterator]();
    t.write('yes orchflow-backpressure\n');
    // Pull one event and then stop pulling: at most highWaterMark bytes may be unacknowledged.
    const first = await iterator.next();
    expect(first.done).toBe(false);
    await waitFor(() => t.info().state !== 'exited' && t.read().endOffset > highWaterMark / 2, 'some output');
    let settled = t.read().endOffset;
    // Wait until output stops growing (the PTY is paused), then check it stays stopped.
    await waitFor(() => {
      const now = t.read().endOffset;
      const stable = now === settled;
      settled = now;
      return stable;
    }, 'the producer to pause');
    await new Promise((r) => setTimeout(r, 500));
    const held = t.read().endOffset;
    expect(held - settled).toBeLessThan(64 * 1024);
    // Far below what `yes` prints in 500 ms when not held back (tens of MB).
    expect(held).toBeLessThan(4 * 1024 * 1024);
    // Pulling again resumes the producer.
    for (let i = 0; i < 50; i++) await iterator.next();
    await waitFor(() => t.read().endOffset > held + highWaterMark, 'the producer to resume');
    await iterator.return?.();
  });

  it('disposes the subscription when the loop breaks, releasing the producer', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    t.write('yes orchflow\n');
    for await (const ev of orch.streamOutput(t.id, { highWaterMark: 16 * 1024 })) {
      if (ev.type === 'data') break;
    }
    const at = t.read().endOffset;
    await waitFor(() => t.read().endOffset > at + 1024 * 1024, 'output to flow freely after break');
  });

  it('ends on abort', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const ev of orch.streamOutput(t.id, { signal: controller.signal })) seen.push(ev.type);
    })();
    setTimeout(() => controller.abort(), 100);
    await reading;
    expect(seen).not.toContain('end');
  });

  it('subscribeOutput delivers raw events with manual acks', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('s');
    await t.execute('echo sub-raw');
    const events: StreamEvent[] = [];
    const sub = orch.subscribeOutput(t.id, { fromOffset: 0, manualAck: true }, (ev) => {
      events.push(ev);
      if (ev.type === 'data') sub.ack(ev.nextOffset);
    });
    await waitFor(() => events.some((e) => e.type === 'data' && e.data.includes('sub-raw')), 'raw events');
    sub.dispose();
    expect(events[0]).toMatchObject({ type: 'data', offset: 0 });
  });
});
