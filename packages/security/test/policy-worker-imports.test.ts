import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagesReached } from '../../terminal/test/import-graph';

// Each policy worker is a V8 isolate of its own and keeps what it imports for its whole life. The
// policy reaches it validated, so it needs no schema: zod and the protocol's schemas took ~5 MB of
// every worker's heap (~13 MB of resident memory per worker at start).
describe('the policy worker', () => {
  it('loads neither zod nor any @orchflow package', () => {
    const reached = packagesReached(join(__dirname, '../src/command/policy-worker.ts'));
    expect([...reached].filter((name) => name === 'zod' || name.startsWith('@orchflow/'))).toEqual([]);
    // The walk does reach what the worker needs.
    expect(reached.has('web-tree-sitter')).toBe(true);
  });
});

// The main thread hands every command to a worker; loading the parser and web-tree-sitter there too
// cost every importer of @orchflow/security (and @orchflow/core) ~1 MB for nothing.
describe('the package entry', () => {
  it('does not load the parser: only the workers judge', () => {
    const reached = packagesReached(join(__dirname, '../src/index.ts'));
    expect(reached.has('web-tree-sitter')).toBe(false);
    expect(reached.has('zod')).toBe(true);
  });
});
