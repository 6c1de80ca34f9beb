// A throwaway project with a real test suite (Node's built-in test runner): three tests pass,
// one fails, so the run has output worth reading and a non-zero exit code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates the project and returns its directory. */
export function createSampleProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-demo-'));
  writeFileSync(
    join(dir, 'math.mjs'),
    'export const add = (a, b) => a + b;\nexport const mul = (a, b) => a + b;\n',
  );
  writeFileSync(
    join(dir, 'math.test.mjs'),
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { add, mul } from './math.mjs';",
      "test('adds', () => assert.equal(add(2, 3), 5));",
      "test('adds negatives', () => assert.equal(add(-2, -3), -5));",
      "test('multiplies by one', () => assert.equal(mul(1, 1), 2));",
      "test('multiplies', () => assert.equal(mul(3, 4), 12));",
      '',
    ].join('\n'),
  );
  return dir;
}
