// The link checker must fail on what it exists to catch, and pass a clean tree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'check-links.mjs');

function tree(files) {
  const dir = mkdtempSync(join(tmpdir(), 'check-links-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function check(dir, ...files) {
  return spawnSync(process.execPath, [script, '--root', dir, ...files], { encoding: 'utf8' });
}

test('a clean tree passes: files, directories, anchors of headings with code and punctuation', () => {
  const dir = tree({
    'README.md':
      '[guide](docs/guide.md#the-process-details-v2) [dir](docs) [self](#top-level) [web](https://x.y/z)\n# Top level\n',
    'docs/guide.md':
      '# Guide\n## The `process` details (v2)\n```md\n[ignored](missing.md)\n```\n`[inline](missing.md)`\n',
  });
  const result = check(dir, 'README.md', 'docs/guide.md');
  assert.equal(result.status, 0, result.stderr);
});

test('a missing file, a missing anchor and a link out of the tree fail, each named with its line', () => {
  const dir = tree({
    'README.md': 'ok\n[gone](docs/gone.md)\n[anchor](docs/guide.md#nope)\n[out](../../etc/passwd)\n',
    'docs/guide.md': '# Guide\n',
  });
  const result = check(dir, 'README.md');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /README\.md:2: 'docs\/gone\.md'/);
  assert.match(result.stderr, /README\.md:3: 'docs\/guide\.md#nope' → no heading makes the anchor '#nope'/);
  assert.match(result.stderr, /README\.md:4: '\.\.\/\.\.\/etc\/passwd' leaves the repository/);
});

test('repeated headings get -1, -2 anchors as on GitHub', () => {
  const dir = tree({ 'a.md': '# Setup\n# Setup\n[second](#setup-1) [third](#setup-2)\n' });
  const result = check(dir, 'a.md');
  assert.equal(result.status, 1);
  assert.match(result.stderr, /#setup-2/);
  assert.doesNotMatch(result.stderr, /#setup-1'/);
});
