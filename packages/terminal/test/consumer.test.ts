// A consumer that never reads: a manual-ack subscriber on a real terminal that never acks must
// pause the PTY — memory stays bounded by the ring — and once it goes away the output completes.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import type { StreamEvent } from '../src/output/subscribers';
import { Terminal } from '../src/terminal';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const used = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('a subscriber that never acks pauses 64 MiB of output; disposing it lets the command finish', async () => {
  const t = await Terminal.spawn({ shell: 'bash', cwd: '/tmp' });
  try {
    const events: StreamEvent[] = [];
    const sub = t.subscribe({ fromOffset: t.read({}).endOffset, manualAck: true }, (e) => events.push(e));
    const before = used();
    const start = t.read({}).endOffset;
    const running = t.execute('yes orchflow | head -c 67108864; echo; echo produced', { timeoutMs: 120_000 });
    // The producer stalls once the subscriber is its high watermark (1 MiB) behind.
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = t.read({}).endOffset;
      if (now === last) break;
      last = now;
    }
    expect(last - start).toBeLessThan(8 * 1024 * 1024);
    expect(used() - before).toBeLessThan(32 * 1024 * 1024);
    const delivered = events.reduce((n, e) => n + (e.type === 'data' ? Buffer.byteLength(e.data) : 0), 0);
    expect(delivered).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    sub.dispose();
    const r = await running;
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.stdout.endsWith('produced\n')).toBe(true);
    expect(t.read({}).endOffset - start).toBeGreaterThan(64 * 1024 * 1024);
  } finally {
    await t.kill();
  }
}, 180_000);
