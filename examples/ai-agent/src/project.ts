// The agent's workspace: a tiny Node project with a real bug and a real test suite (node:test),
// a release script that asks for confirmation on the terminal, and a dev server that never exits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The buggy slugify: it replaces only the first space. */
export const BUGGY_SLUG = [
  'export function slugify(title) {',
  "  return title.trim().toLowerCase().replace(' ', '-');",
  '}',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'slugs', version: '1.0.0', type: 'module', private: true }, null, 2)}\n`,
  'slug.mjs': BUGGY_SLUG,
  'slug.test.mjs': [
    "import assert from 'node:assert/strict';",
    "import { test } from 'node:test';",
    "import { slugify } from './slug.mjs';",
    '',
    "test('lower-cases a word', () => assert.equal(slugify('Hello'), 'hello'));",
    "test('joins words with dashes', () => assert.equal(slugify('Hello big world'), 'hello-big-world'));",
    '',
  ].join('\n'),
  // Waits for a person (or an agent) to answer on the terminal, like `npm publish` with a 2FA prompt.
  'release.mjs': [
    "import { createInterface } from 'node:readline/promises';",
    'const rl = createInterface({ input: process.stdin, output: process.stdout });',
    "const answer = await rl.question('Publish slugs@1.0.1? [y/N] ');",
    'rl.close();',
    "if (answer.trim().toLowerCase() !== 'y') { console.log('aborted'); process.exit(1); }",
    "console.log('published slugs@1.0.1 (dry run)');",
    '',
  ].join('\n'),
  // Never exits on its own: an agent that starts it in the foreground needs a timeout.
  'server.mjs': [
    "import { createServer } from 'node:http';",
    "const server = createServer((_req, res) => res.end('ok'));",
    "server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));",
    '',
  ].join('\n'),
};

/** Creates the project in a fresh temp directory and returns its path. */
export function createSampleProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-agent-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  return dir;
}
