// The env file a command's variables travel in lives in the terminal's own directory, which the
// terminal's commands can change: a removed or replaced file is created afresh, never written
// through a link, so the shell reads what this command needs.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { CommandEnvFile } from '../src/exec/env-file';

let dir: string;
let file: CommandEnvFile;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-env-file-'));
  file = new CommandEnvFile(dir);
});
afterEach(() => {
  file.close();
  rmSync(dir, { recursive: true, force: true });
});

test('each write replaces the content, shorter or longer', () => {
  const { path } = file.write('A=long value\nB=2\n');
  expect(readFileSync(path, 'utf8')).toBe('A=long value\nB=2\n');
  file.write('A=1\n');
  expect(readFileSync(path, 'utf8')).toBe('A=1\n');
});

test('a removed file is created again', () => {
  const { path } = file.write('A=1\n');
  rmSync(path);
  file.write('A=2\n');
  expect(readFileSync(path, 'utf8')).toBe('A=2\n');
});

test('a file replaced by a link is not written through it', () => {
  const { path } = file.write('A=1\n');
  const elsewhere = join(dir, 'elsewhere');
  writeFileSync(elsewhere, 'untouched');
  rmSync(path);
  symlinkSync(elsewhere, path);
  file.write('A=2\n');
  expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
  expect(readFileSync(path, 'utf8')).toBe('A=2\n');
});
