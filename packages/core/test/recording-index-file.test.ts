// The sidecar index is rewritten whole, so a burst of commands must not rewrite it per command:
// the first command after a quiet second is written at once, the rest of a burst together within
// INDEX_WRITE_INTERVAL_MS, and whatever is pending when the file closes. A large index waits a
// second per INDEX_BYTES_PER_SECOND of it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  CommandIndex,
  INDEX_BYTES_PER_SECOND,
  INDEX_WRITE_INTERVAL_MS,
  type IndexedCommand,
} from '../src/recording/index-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-index-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const command = (n: number, text = `echo ${n}`): IndexedCommand => ({
  n,
  command: text,
  exitCode: 0,
  durationMs: 1,
  startedAt: new Date().toISOString(),
  time: n,
  byteOffset: n * 100,
});

function open(): {
  index: CommandIndex;
  writes: number[];
  listed: () => number;
  json: () => string;
} {
  const writes: number[] = [];
  const cast = join(dir, 't.cast');
  const index = new CommandIndex(cast, 'v2', 't', 'a', {
    beforeWrite: () => undefined,
    written: (delta) => writes.push(delta),
    failed: (error) => {
      throw error;
    },
  });
  const json = () => readFileSync(`${cast}.index.json`, 'utf8');
  const listed = () => JSON.parse(json()).commands.length;
  return { index, writes, listed, json };
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

test('the file is the index document, each command as it was added', () => {
  const { index, json } = open();
  const commands = [command(1), { ...command(2, 'say "hi"\n'), cwd: '/tmp/ü', exitCode: null }];
  for (const c of commands) index.add(c);
  index.close();
  const expected = { version: 1, format: 'asciicast-v2', terminalId: 't', agentId: 'a', commands };
  expect(json()).toBe(`${JSON.stringify(expected)}\n`);
});

test('an index over a MiB waits a second per MiB between rewrites', async () => {
  const { index, writes, listed } = open();
  const long = 'x'.repeat(1000);
  const wait = () => new Promise((resolve) => setTimeout(resolve, INDEX_WRITE_INTERVAL_MS + 300));
  // The first at once, the other ~2.2 MB with the timer: the next rewrite only ~2 s after that.
  for (let n = 1; n <= 2200; n++) index.add(command(n, long));
  await wait();
  expect(writes).toHaveLength(2);
  expect(index.bytes).toBeGreaterThan(2 * INDEX_BYTES_PER_SECOND);
  index.add(command(2201));
  await wait();
  expect(writes).toHaveLength(2);
  expect(listed()).toBe(2200);
  index.close();
  expect(writes).toHaveLength(3);
  expect(listed()).toBe(2201);
});
