#!/usr/bin/env node
// tsup names the ESM declaration files `.d.ts` in a `"type": "module"` package; we publish them
// as `.d.mts` beside the `.d.cts` ones so each exports branch has its own, unambiguous types.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(process.cwd(), 'dist');
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const source = join(dist, file);
  const text = readFileSync(source, 'utf8').replace(
    /(from\s+['"]\.{1,2}\/[^'"]+?)(\.js)?(['"])/g,
    '$1.mjs$3',
  );
  writeFileSync(source, text);
  renameSync(source, join(dist, `${file.slice(0, -'.d.ts'.length)}.d.mts`));
}
