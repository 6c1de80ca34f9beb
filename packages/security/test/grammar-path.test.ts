// Where the policy finds tree-sitter-bash's grammar: the build copies the .wasm beside the built
// code (the published package has no tree-sitter-bash dependency); source runs use the pinned dev
// package. scripts/check-grammar.mjs checks the copy itself after the build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GRAMMAR_FILE, grammarPath } from '../src/command/parser';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const temps: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-grammar-'));
  temps.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('grammarPath', () => {
  it('uses the grammar beside the built code, from a file URL (ESM) or a path (CJS)', () => {
    const dist = tempDir();
    writeFileSync(join(dist, GRAMMAR_FILE), 'wasm');
    expect(grammarPath(pathToFileURL(join(dist, 'chunk-X.mjs')).href)).toBe(join(dist, GRAMMAR_FILE));
    expect(grammarPath(join(dist, 'chunk-X.cjs'))).toBe(join(dist, GRAMMAR_FILE));
  });

  it('falls back to the pinned tree-sitter-bash devDependency when run from source', () => {
    const found = grammarPath(pathToFileURL(join(packageRoot, 'src', 'command', 'parser.ts')).href);
    const require = createRequire(join(packageRoot, 'package.json'));
    expect(found).toBe(require.resolve(`tree-sitter-bash/${GRAMMAR_FILE}`));
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    const installed = JSON.parse(readFileSync(require.resolve('tree-sitter-bash/package.json'), 'utf8'));
    // Pinned exactly, and only for development: the published package ships the .wasm instead.
    expect(manifest.devDependencies['tree-sitter-bash']).toBe(installed.version);
    expect(manifest.dependencies['tree-sitter-bash']).toBeUndefined();
  });

  it('names both places when the grammar is in neither', () => {
    // In a child without NODE_PATH: pnpm's bin shims put every package of the workspace on it,
    // which a user's install does not.
    const empty = tempDir();
    const code = `import { grammarPath } from './src/command/parser.ts';
      try { grammarPath(${JSON.stringify(join(empty, 'chunk-X.mjs'))}); } catch (error) { console.log(error.message); }`;
    const env = { ...process.env };
    delete env.NODE_PATH;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: packageRoot,
      env,
      encoding: 'utf8',
    });
    expect(output).toContain(
      `neither ${join(empty, GRAMMAR_FILE)} nor the tree-sitter-bash package was found`,
    );
  });
});
