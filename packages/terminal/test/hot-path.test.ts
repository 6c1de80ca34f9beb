// The per-read fast paths (capture trimming by whole chunks, the parser's zero-copy views, the
// ring's unzeroed buffer) keep their exact results, and concurrent tree kills that share /proc
// walks still kill every tree.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OutputCapture } from '../src/exec/capture';
import { MarkerParser, type ParsedPiece } from '../src/exec/marker-parser';
import { OutputRing } from '../src/output/ring';
import { isDead, readProcStat } from '../src/process/procfs';
import { killProcessTree } from '../src/process/tree';
import { createNonce } from '../src/shell-integration/marker-format';

describe('OutputCapture tail', () => {
  test.each([1, 7, 4096, 70_000])('keeps exactly the last half of the budget with %i-byte chunks', (size) => {
    const budget = 1000;
    const all = Buffer.from(Array.from({ length: 50_000 }, (_, i) => 97 + (i % 26)));
    const c = new OutputCapture(budget);
    for (let i = 0; i < all.length; i += size) c.append(all.subarray(i, i + size));
    const r = c.result();
    expect(r.truncated).toBe(true);
    expect(r.totalBytes).toBe(all.length);
    const [head, tail] = r.text.split(/\n\[… \d+ bytes of output omitted[^\n]*\n/);
    expect(head).toBe(all.subarray(0, budget / 2).toString());
    expect(tail).toBe(all.subarray(all.length - budget / 2).toString());
    expect(r.text).toContain(`[… ${all.length - budget} bytes of output omitted`);
  });
});

describe('MarkerParser views', () => {
  test('parses a Uint8Array view into a larger buffer and does not alias held bytes', () => {
    const nonce = createNonce();
    const text = `ab\x1b]633;D;${nonce};1f;7;%2F\x07cd`;
    const backing = new Uint8Array(text.length + 20).fill(0x21);
    backing.set(Buffer.from(text), 10);
    const parser = new MarkerParser(nonce);
    const cut = 8;
    const texts = (pieces: ParsedPiece[]): string[] =>
      pieces.flatMap((p) => (p.type === 'data' ? [Buffer.from(p.bytes).toString()] : []));
    const first = parser.feed(new Uint8Array(backing.buffer, 10, cut));
    const firstText = texts(first);
    // The first chunk ends inside the marker; the caller may reuse that memory once its data
    // pieces were consumed, so the parser must hold its own copy of the undecided bytes.
    backing.fill(0x3f, 10, 10 + cut);
    const second = parser.feed(new Uint8Array(backing.buffer, 10 + cut, text.length - cut));
    expect([...firstText, ...texts(second)].join('')).toBe('abcd');
    expect([...first, ...second].filter((p) => p.type === 'marker')).toEqual([
      { type: 'marker', marker: { kind: 'done', token: '1f', status: 7, cwd: '/' } },
    ]);
    expect(parser.flush().length).toBe(0);
  });
});

describe('OutputRing buffer', () => {
  test('readBytes returns a copy that later writes do not change', () => {
    const ring = new OutputRing(8);
    ring.append(Buffer.from('abcdefgh'));
    const copy = ring.readBytes(0, 4);
    ring.append(Buffer.from('WXYZ'));
    expect(Buffer.from(copy).toString()).toBe('abcd');
    expect(Buffer.from(ring.readBytes(4, 12)).toString()).toBe('efghWXYZ');
  });
});

describe('concurrent killProcessTree', () => {
  test('kills every one of many trees killed at once', async () => {
    const trees: ChildProcess[] = Array.from({ length: 20 }, () =>
      spawn('bash', ['-c', 'sleep 300 & sleep 300 & wait'], { stdio: 'ignore', detached: true }),
    );
    const pids = trees.map((t) => t.pid as number);
    // Wait until every tree has forked both sleeps, so the kills have grandchildren to find.
    const deadline = Date.now() + 20_000;
    while (countDescendants(pids) < 2 * pids.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const members = collectTrees(pids);
    expect(members.length).toBe(3 * pids.length);
    await Promise.all(pids.map((pid) => killProcessTree(pid, { signal: 'SIGTERM', graceMs: 2000 })));
    for (const pid of members) {
      const info = readProcStat(pid);
      expect(info === undefined || isDead(info)).toBe(true);
    }
    for (const t of trees) t.kill('SIGKILL');
  }, 60_000);
});

/** The pids of the given roots and their children, read from /proc. */
function collectTrees(roots: number[]): number[] {
  const out: number[] = [];
  for (const root of roots) {
    out.push(root);
    for (const pid of childrenOf(root)) out.push(pid);
  }
  return out;
}

function countDescendants(roots: number[]): number {
  return roots.reduce((n, root) => n + childrenOf(root).length, 0);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
