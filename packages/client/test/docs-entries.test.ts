// The API reference (typedoc, `pnpm run docs`) documents every entry point the package exports:
// `@orchflow/client` and `@orchflow/client/node` (connectStdio, StdioClientOptions, …). The
// `./internal` entry (what @orchflow/server composes) is not public API and stays out of it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = (file: string) => JSON.parse(readFileSync(join(packageRoot, file), 'utf8'));

it('gives typedoc an entry point for every export of package.json', () => {
  const exported = Object.entries(json('package.json').exports as Record<string, unknown>)
    .filter(([subpath]) => subpath !== './package.json' && subpath !== './internal')
    .map(([subpath]) => (subpath === '.' ? 'src/index.ts' : `src/${subpath.slice(2)}.ts`))
    .sort();
  expect(exported).toEqual(['src/index.ts', 'src/node.ts']);
  expect([...(json('typedoc.json').entryPoints as string[])].sort()).toEqual(exported);
});
