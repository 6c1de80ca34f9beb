// Proves the root entry stays browser-safe: builds the package, then walks every chunk reachable
// from dist/index.{mjs,cjs} and fails on any import of a Node built-in.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageRoot, 'dist');
const builtins = new Set(builtinModules);

// `from 'x'`, `import 'x'`, `import('x')`, `require('x')` and esbuild's `__require('x')`.
const SPECIFIER = /(?:\bfrom|\bimport|require)\s*\(?\s*(['"])([^'"\n]+)\1/g;

function specifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((match) => match[2] as string);
}

/** Every file reachable from `entry` through relative imports, with the specifiers it uses. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const pending = [join(dist, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    const found = specifiers(readFileSync(file, 'utf8'));
    seen.set(file, found);
    for (const spec of found)
      if (spec.startsWith('./') || spec.startsWith('../')) pending.push(resolve(dirname(file), spec));
  }
  return seen;
}

function nodeBuiltinsUsed(entry: string): string[] {
  const used: string[] = [];
  for (const [file, found] of reachable(entry)) {
    for (const spec of found) {
      if (spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0] as string)) {
        used.push(`${file.slice(dist.length + 1)} → ${spec}`);
      }
    }
  }
  return used;
}

describe('browser-safe root entry', () => {
  beforeAll(() => {
    // A full build (declarations too) takes minutes on a loaded 2-core machine: a generous bound.
    execFileSync('pnpm', ['build'], { cwd: packageRoot, stdio: 'pipe' });
  }, 300_000);

  it.each(['index.mjs', 'index.cjs'])('%s reaches no Node built-in', (entry) => {
    expect(reachable(entry).size).toBeGreaterThan(0);
    expect(nodeBuiltinsUsed(entry)).toEqual([]);
  });

  it('includes the framing codecs, so the check above covers them', () => {
    const source = [...reachable('index.mjs').keys()].map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(source).toContain('ContentLengthCodec');
    expect(source).toContain('NdjsonCodec');
  });

  it.each(['runtime.mjs', 'runtime.cjs'])(
    '%s (the browser client imports from it) reaches no Node built-in and no classic zod',
    (entry) => {
      expect(nodeBuiltinsUsed(entry)).toEqual([]);
      const packages = [...reachable(entry).values()].flat().filter((spec) => !spec.startsWith('.'));
      // zod/mini and one locale: a few KB gzipped, where classic `zod` is about 100 KB.
      expect(new Set(packages)).toEqual(new Set(['zod/mini', 'zod/v4/locales']));
      // The root entry, which holds the method schemas, does reach classic zod: the check can fail.
      expect([...reachable(entry.replace('runtime', 'index')).values()].flat()).toContain('zod');
    },
  );

  it('detects Node built-ins where they belong: the ./node entry', () => {
    expect(nodeBuiltinsUsed('node.mjs').length).toBeGreaterThan(0);
    expect(nodeBuiltinsUsed('node.cjs').length).toBeGreaterThan(0);
  });
});
