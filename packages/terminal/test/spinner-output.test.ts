// A person who typed the command would see only a spinner's and a progress bar's last frame:
// ExecResult.stdout of a real PTY command holds the same (issue #13).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';

let terminal: Terminal;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-spinner-'));
  terminal = await Terminal.spawn({ shell: 'bash', cwd: dir });
});
afterAll(async () => {
  await terminal?.kill();
  rmSync(dir, { recursive: true, force: true });
});

// What npm (and ora) print while installing: each frame goes to column 1 and erases the line.
const SPINNER = `
const frames = ['⠋', '⠙', '⠹', '⠸', '⠼'];
for (const f of frames) process.stdout.write('\\x1b[1G\\x1b[0K' + f + ' reify:lodash: timing');
process.stdout.write('\\x1b[1G\\x1b[0K');
console.log('added 1 package in 2s');
for (let p = 0; p <= 100; p += 25) process.stdout.write('\\r\\x1b[32m' + '#'.repeat(p / 5).padEnd(20, '-') + '\\x1b[0m ' + p + '%');
console.log();
`;

test('keeps only the last frame of a spinner and a progress bar', async () => {
  writeFileSync(join(dir, 'install.js'), SPINNER);
  const result = await terminal.execute('node install.js', { timeoutMs: 60_000 });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe(`added 1 package in 2s\n${'#'.repeat(20)} 100%\n`);
});
