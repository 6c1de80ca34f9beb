// Proves the root entry stays browser-safe: builds the package, then walks every chunk reachable
// from dist/index.{mjs,cjs} and fails on an import of a Node built-in or of any package other
// than @orchflow/protocol/runtime and zod/mini (the protocol entry is checked by protocol's own test).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageRoot, 'dist');
const SPECIFIER = /(?:\bfrom|\bimport|require)\s*\(?\s*(['"])([^'"\n]+)\1/g;

/** Every bare or `node:` specifier used by the files reachable from `entry`. */
function externalImports(entry: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  const pending = [join(dist, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, , spec] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      if (spec === undefined) continue;
      if (spec.startsWith('.')) pending.push(resolve(dirname(file), spec));
      else found.push(spec);
    }
  }
  return found;
}

beforeAll(() => {
  // A full build (declarations too) takes minutes on a loaded 2-core machine: a generous bound.
  execFileSync('pnpm', ['build'], { cwd: packageRoot, stdio: 'pipe' });
}, 300_000);

// Only the protocol's runtime entry and zod/mini: the root `@orchflow/protocol` (its method schemas)
// or classic `zod` would put about 100 KB gzipped of zod into every browser bundle.
const BROWSER_IMPORTS = ['@orchflow/protocol/runtime', 'zod/mini'];

it.each(['index.mjs', 'index.cjs'])('%s imports only @orchflow/protocol/runtime and zod/mini', (entry) => {
  const imports = externalImports(entry);
  expect(imports).toContain('@orchflow/protocol/runtime');
  expect(imports.filter((spec) => !BROWSER_IMPORTS.includes(spec))).toEqual([]);
});

// Bundling renames a class that refers to itself (`class _OrchflowClient`), and that name is what
// `util.inspect` and an uncaught error print; the shared build config keeps names (keepNames).
it.each(['index.mjs', 'index.cjs'])('%s keeps the names of its classes', (entry) => {
  const script = entry.endsWith('.mjs')
    ? `import('./dist/${entry}').then((m) => console.log(m.OrchflowClient.name, m.RemoteTerminal.name))`
    : `const m = require('./dist/${entry}'); console.log(m.OrchflowClient.name, m.RemoteTerminal.name)`;
  const names = execFileSync(process.execPath, ['-e', script], { cwd: packageRoot, encoding: 'utf8' });
  expect(names.trim()).toBe('OrchflowClient RemoteTerminal');
});
