// CastFile on its own: lines longer than its buffer (a long output chunk) go out through one reused
// scratch buffer; each must come out whole and exactly, whatever longer line used it before.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { eventLine, lineBytes } from '../src/recording/asciicast';
import {
  BUFFER_BYTES,
  CastFile,
  FLUSH_INTERVAL_MS,
  LARGE_BUFFER_BYTES,
  SCRATCH_MAX_BYTES,
} from '../src/recording/cast-file';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test('writes long and short lines in order and exactly, through its scratch buffer or their own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-cast-file-'));
  dirs.push(dir);
  const errors: Error[] = [];
  const file = new CastFile(join(dir, 'a.cast'), (error) => errors.push(error));
  const texts = [
    'x'.repeat(BUFFER_BYTES * 5),
    'short',
    `${'é'.repeat(BUFFER_BYTES * 2)}\r\n`,
    'y'.repeat(BUFFER_BYTES * 3),
    '\x1b[31m😀\x1b[0m',
    'z'.repeat(BUFFER_BYTES * 2 + 1),
    // Past the scratch buffer's cap: a buffer of its own; the scratch buffer serves the next one.
    'w'.repeat(SCRATCH_MAX_BYTES + 10),
    'v'.repeat(BUFFER_BYTES * 3),
  ];
  let offset = 0;
  texts.forEach((text, i) => {
    const line = eventLine(i, 'o', text);
    expect(file.append(line, lineBytes(line))).toBe(offset);
    offset += lineBytes(line);
  });
  expect(file.close()).toBe(offset);
  expect(errors).toEqual([]);
  const lines = readFileSync(join(dir, 'a.cast'), 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.map((l) => JSON.parse(l))).toEqual(texts.map((text, i) => [i, 'o', text]));
});

test('keeps every line whole and in order as its buffer grows while output streams and shrinks when quiet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-cast-file-'));
  dirs.push(dir);
  const path = join(dir, 'b.cast');
  const file = new CastFile(path, (error) => {
    throw error;
  });
  const texts: string[] = [];
  const add = (text: string) => {
    const line = eventLine(texts.length, 'o', text);
    texts.push(text);
    expect(file.append(line, lineBytes(line))).toBeGreaterThanOrEqual(0);
  };
  // Streaming: past the small buffer many times over, so the file writes in large blocks.
  for (let i = 0; i < 400; i++) add(`${i} ${'s'.repeat(1000)}\r\n`);
  // What is on disk at any moment ends at a line end.
  const streamed = readFileSync(path, 'utf8');
  expect(streamed.endsWith('\n')).toBe(true);
  expect(streamed.length).toBeGreaterThan(BUFFER_BYTES * 10);
  // Quiet: a little output, then the timer writes it (and the buffer goes back to small).
  add('quiet');
  await new Promise((resolve) => setTimeout(resolve, FLUSH_INTERVAL_MS * 3));
  const written = readFileSync(path, 'utf8').split('\n');
  expect(written.pop()).toBe('');
  expect(JSON.parse(written.at(-1) as string)).toEqual([400, 'o', 'quiet']);
  for (let i = 0; i < 100; i++) add(`${'é'.repeat(i * 7)}😀\n`);
  add('x'.repeat(LARGE_BUFFER_BYTES * 3));
  file.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.map((l) => JSON.parse(l))).toEqual(texts.map((text, i) => [i, 'o', text]));
});

test('gives its large buffer back when a stream stops, even right after a full write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-cast-file-'));
  dirs.push(dir);
  const file = new CastFile(join(dir, 'c.cast'), (error) => {
    throw error;
  });
  const size = () => (file as unknown as { buffer: Buffer }).buffer.length;
  expect(size()).toBe(BUFFER_BYTES * 2);
  // Exactly enough for one full write of the small buffer, then for one of the large one.
  const line = eventLine(0, 'o', 'x'.repeat(1000));
  while (size() === BUFFER_BYTES * 2) file.append(line, lineBytes(line));
  expect(size()).toBe(LARGE_BUFFER_BYTES * 2);
  await new Promise((resolve) => setTimeout(resolve, FLUSH_INTERVAL_MS * 3));
  expect(size()).toBe(BUFFER_BYTES * 2);
  file.close();
});
