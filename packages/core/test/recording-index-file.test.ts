// The sidecar index is rewritten whole, so a burst of commands must not rewrite it per command:
// the first command after a quiet second is written at once, the rest of a burst together within
// INDEX_WRITE_INTERVAL_MS, and whatever is pending when the file closes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { CommandIndex, INDEX_WRITE_INTERVAL_MS, type IndexedCommand } from '../src/recording/index-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-index-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const command = (n: number): IndexedCommand => ({
  n,
  command: `echo ${n}`,
  exitCode: 0,
  durationMs: 1,
  startedAt: new Date().toISOString(),
  time: n,
  byteOffset: n * 100,
});

function open(): { index: CommandIndex; writes: number[]; listed: () => number } {
  const writes: number[] = [];
  const cast = join(dir, 't.cast');
  const index = new CommandIndex(cast, 'v2', 't', 'a', {
    beforeWrite: () => undefined,
    written: (delta) => writes.push(delta),
    failed: (error) => {
      throw error;
    },
  });
  const listed = () => JSON.parse(readFileSync(`${cast}.index.json`, 'utf8')).commands.length;
  return { index, writes, listed };
}

test('a burst of commands is written twice: the first at once, the rest together', async () => {
  const { index, writes, listed } = open();
  index.add(command(1));
  expect(writes).toHaveLength(1);
  expect(listed()).toBe(1);
  for (let n = 2; n <= 50; n++) index.add(command(n));
  expect(writes).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, INDEX_WRITE_INTERVAL_MS + 200));
  expect(writes).toHaveLength(2);
  expect(listed()).toBe(50);
  // The deltas add up to the file's size, which the directory budget counts.
  expect(writes.reduce((a, b) => a + b, 0)).toBe(index.bytes);
  index.close();
});

test('closing writes what is pending, and nothing is taken after', () => {
  const { index, writes, listed } = open();
  index.add(command(1));
  index.add(command(2));
  expect(listed()).toBe(1);
  index.close();
  expect(writes).toHaveLength(2);
  expect(listed()).toBe(2);
  index.add(command(3));
  expect(listed()).toBe(2);
});
