// The env file a command's variables travel in lives in the terminal's own directory, which the
// terminal's commands can change: a removed or replaced file is created afresh, never written
// through a link, so the shell reads what this command needs.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { CommandEnvFile } from '../src/exec/env-file';
import { commandEnvFile } from '../src/shell-integration/command-env';

/** What a shell reads from the file: the lines before the first `.` line. */
const read = (path: string): string[] => {
  const lines = readFileSync(path, 'utf8').split('\n');
  return lines.slice(0, lines.indexOf('.'));
};

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

test('each write replaces what is read, shorter or longer', () => {
  const { path } = file.write(commandEnvFile({ A: 'long value', B: '2' }));
  expect(read(path)).toEqual(['A=long value', 'B=2']);
  file.write(commandEnvFile({ A: '1' }));
  expect(read(path)).toEqual(['A=1']);
  file.write(commandEnvFile({ A: 'x', B: 'y', C: 'a longer one than before' }));
  expect(read(path)).toEqual(['A=x', 'B=y', 'C=a longer one than before']);
});

test('a removed file is created again', () => {
  const { path } = file.write(commandEnvFile({ A: '1' }));
  rmSync(path);
  file.write(commandEnvFile({ A: '2' }));
  expect(read(path)).toEqual(['A=2']);
});

test('a file replaced by a link is not written through it', () => {
  const { path } = file.write(commandEnvFile({ A: '1' }));
  const elsewhere = join(dir, 'elsewhere');
  writeFileSync(elsewhere, 'untouched');
  rmSync(path);
  symlinkSync(elsewhere, path);
  file.write(commandEnvFile({ A: '2' }));
  expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
  expect(read(path)).toEqual(['A=2']);
});
