// The dist step must leave code and columns as they were, and refuse what it cannot rewrite.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'ascii-dist.mjs');

function run(files) {
  const dir = mkdtempSync(join(tmpdir(), 'ascii-dist-'));
  mkdirSync(join(dir, 'dist'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'dist', name), text);
  const result = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
  return { ...result, read: (name) => readFileSync(join(dir, 'dist', name), 'utf8') };
}

test('comments become ASCII with every column kept; code and other files are untouched', () => {
  const source = [
    '/**',
    ' * Waits — for the shell… then runs 😀 once.',
    ' */',
    'export const a = "\\u2014"; // after code — still a comment',
    'const b = 1; /* x → y */ const c = 2;',
  ].join('\n');
  const result = run({ 'index.mjs': source, 'index.d.mts': '/** — */\n' });
  assert.equal(result.status, 0, result.stderr);
  const out = result.read('index.mjs');
  assert.equal(
    out,
    source.replace('—', '-').replace('…', '.').replace('😀', '??').replace('—', '-').replace('→', '>'),
  );
  assert.match(out, /^[\x00-\x7f]*$/);
  assert.deepEqual(
    out.split('\n').map((line) => line.length),
    source.split('\n').map((line) => line.length),
  );
  assert.equal(result.read('index.d.mts'), '/** — */\n');
});

test('non-ASCII in code fails the build and names the place', () => {
  for (const line of [
    'const s = String.raw`—`;',
    '/* a */ const s = String.raw`—`;',
    'var glob = "src/**/*.ts", dash = /[—]/;',
    'var u = "https://x", raw = String.raw`a—b`;',
    'var u = "/* not a comment", raw = String.raw`a—b`;',
  ]) {
    const result = run({ 'chunk.cjs': `const ok = 1;\n${line}\n` });
    assert.notEqual(result.status, 0, line);
    assert.match(result.stderr, /chunk\.cjs:2: non-ASCII character "—" outside a comment/);
  }
});

test('a template line that looks like a doc comment is code', () => {
  const result = run({ 'x.mjs': 'const ok = 1;\nconst usage = String.raw`Usage:\n * opt — x`;\n' });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /x\.mjs:3: non-ASCII character "—" outside a comment/);
});
