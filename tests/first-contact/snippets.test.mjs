// The block classifier of the first-contact job: defaults, markers, and the blocks it must refuse
// (an unmarked shell block, an unknown language, a bad marker) with the file and line named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractBlocks } from './lib/snippets.mjs';

const md = (...parts) => parts.join('\n');

test('TypeScript runs and JSON/text are skipped by default; markers override', () => {
  const blocks = extractBlocks(
    md(
      '# t',
      '```ts',
      '// main.mts — an ES module',
      'await 1;',
      '```',
      '```json',
      '{}',
      '```',
      '```',
      'usage',
      '```',
      '<!-- first-contact: typecheck with server-token -->',
      '',
      '```ts',
      'x;',
      '```',
      '<!-- first-contact: skip: needs root -->',
      '```sh',
      'apt-get install tmux',
      '```',
    ),
    'doc.md',
  );
  assert.deepEqual(
    blocks.map(({ line, action, reason, prelude, fileName }) => ({
      line,
      action,
      reason,
      prelude,
      fileName,
    })),
    [
      { line: 2, action: 'run', reason: undefined, prelude: undefined, fileName: 'main.mts' },
      { line: 6, action: 'skip', reason: 'JSON sample', prelude: undefined, fileName: undefined },
      { line: 9, action: 'skip', reason: 'plain text', prelude: undefined, fileName: undefined },
      { line: 14, action: 'typecheck', reason: undefined, prelude: 'server-token', fileName: undefined },
      { line: 18, action: 'skip', reason: 'needs root', prelude: undefined, fileName: undefined },
    ],
  );
  assert.equal(blocks[0].code, '// main.mts — an ES module\nawait 1;\n');
});

test('an indented block (in a list item) keeps its code and its marker', () => {
  const [block] = extractBlocks(
    md('- item', '  <!-- first-contact: run with x -->', '  ```ts', '  a();', '  ```'),
    'd.md',
  );
  assert.equal(block.code, 'a();\n');
  assert.equal(block.prelude, 'x');
});

test('unclassifiable blocks are errors', () => {
  const errors = extractBlocks(
    md(
      '```sh',
      'ls',
      '```',
      '```python',
      'print(1)',
      '```',
      '<!-- first-contact: maybe -->',
      '```ts',
      '```',
      '<!-- first-contact: skip -->',
      '```ts',
      '```',
      '<!-- first-contact: run -->',
      '```text',
      '```',
      '```ts',
      'never closed',
    ),
    'bad.md',
  ).map(({ line, error }) => [line, error]);
  assert.equal(errors.length, 6);
  for (const [, error] of errors) assert.ok(error, 'every block here is refused');
  assert.deepEqual(
    errors.map(([line]) => line),
    [1, 4, 8, 11, 14, 16],
  );
  assert.match(errors[0][1], /shell block needs a marker/);
  assert.match(errors[2][1], /unknown first-contact marker 'maybe'/);
});
