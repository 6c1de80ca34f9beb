// The last bytes a process writes right before it exits must arrive: Linux can report EOF on a
// PTY master while output is still queued, and a paused reader must not lose it either.
import { afterEach, describe, expect, it } from 'vitest';
import { Terminal } from '../src/index';

const MiB = 1024 * 1024;
const terminals: Terminal[] = [];
afterEach(async () => {
  await Promise.all(terminals.splice(0).map((t) => t.kill().catch(() => undefined)));
});

/** Reads everything retained from `from` to the end, page by page. */
function readAll(t: Terminal, from: number): string {
  let text = '';
  for (let offset = from; ; ) {
    const page = t.read({ fromOffset: offset });
    text += page.data;
    if (page.nextOffset >= page.endOffset) return text;
    offset = page.nextOffset;
  }
}

/** Bytes of the long runs of `x`: the echoed command line has a few x's of its own. */
function producedXs(text: string): number {
  return (text.match(/x{64,}/g) ?? []).join('').length;
}

/** Spawns a shell that writes `bytes` x's and END, then exits at once; returns what arrived. */
async function burstThenExit(bytes: number, prepare?: (t: Terminal) => void): Promise<string> {
  const t = await Terminal.spawn({ shell: 'bash', scrollbackBytes: 4 * MiB });
  terminals.push(t);
  const start = t.read().endOffset;
  prepare?.(t);
  t.write(`head -c ${bytes} /dev/zero | tr '\\0' x; printf END; exit\n`);
  const info = await t.exited;
  expect(info.exitCode).toBe(0);
  return readAll(t, start);
}

describe('output written right before the shell exits', () => {
  it('1 MiB arrives whole, 100 times in a row', { timeout: 120_000 }, async () => {
    const runs = Array.from({ length: 100 }, (_, i) => i);
    // Four at a time keeps the run short without starving a 2-core machine.
    for (let i = 0; i < runs.length; i += 4) {
      const texts = await Promise.all(runs.slice(i, i + 4).map(() => burstThenExit(MiB)));
      for (const text of texts) {
        expect(producedXs(text)).toBe(MiB);
        expect(text).toContain('END');
      }
      await Promise.all(terminals.splice(0).map((t) => t.kill()));
    }
  });

  // Sizes chosen so the part written after the pause fits the kernel's PTY buffer: the writer
  // does not block, and the shell exits while nobody reads.
  it.each([
    [
      'a slow subscriber',
      18_000,
      (t: Terminal) => t.subscribe({ manualAck: true, highWaterMark: 16 * 1024 }, () => {}),
    ],
    ['pause()', 3_000, (t: Terminal) => t.pause()],
  ])('arrives whole when reading was paused by %s', async (_label, bytes, pause) => {
    for (let run = 0; run < 5; run++) {
      const text = await burstThenExit(bytes, pause);
      expect(producedXs(text)).toBe(bytes);
      expect(text).toContain('END');
    }
  });
});

describe('killing a terminal whose output is paused', () => {
  it('completes even when the PTY buffer is full', { timeout: 30_000 }, async () => {
    const t = await Terminal.spawn({ shell: 'bash' });
    terminals.push(t);
    t.write('yes\n');
    while (t.read().endOffset < 64 * 1024) await new Promise((resolve) => setTimeout(resolve, 10));
    // With reading paused, `yes` fills the kernel's PTY buffer: draining it at exit must not
    // block the event loop that reads it.
    t.pause();
    const info = await t.kill();
    expect(info.signal ?? info.exitCode).not.toBeUndefined();
    expect(t.state).toBe('exited');
  });
});
