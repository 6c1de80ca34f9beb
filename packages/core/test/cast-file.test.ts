// CastFile on its own: lines longer than its buffer (a long output chunk) go out through one reused
// scratch buffer; each must come out whole and exactly, whatever longer line used it before.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { eventLine, lineBytes } from '../src/recording/asciicast';
import { BUFFER_BYTES, CastFile, SCRATCH_MAX_BYTES } from '../src/recording/cast-file';

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
