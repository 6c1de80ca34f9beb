// What a module loads when imported: the packages (and `node:` modules) it reaches through static
// imports, following its own relative imports (dynamic `import()`, `import type` and modules
// required lazily are not followed). Tests use it to keep costly modules off the import path.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const STATIC_IMPORT = /^import\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const STATIC_EXPORT_FROM = /^export\s+(?!type\s)[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm;

/** The packages (and `node:` modules) `entry`, a TypeScript source file, reaches through static imports. */
export function packagesReached(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const pattern of [STATIC_IMPORT, STATIC_EXPORT_FROM]) {
      for (const [, specifier] of source.matchAll(pattern)) {
        if (!specifier) continue;
        if (specifier.endsWith('.json')) continue;
        if (specifier.startsWith('.')) {
          const path = resolve(dirname(file), specifier);
          visit(existsSync(`${path}.ts`) ? `${path}.ts` : join(path, 'index.ts'));
        } else packages.add(specifier);
      }
    }
  };
  visit(entry);
  return packages;
}
