#!/usr/bin/env node
// Packaging check (runs after the build, in CI's check:package): every source map in dist/ names
// only sources the package ships (../src, listed in `files`) and carries no sourcesContent, so the
// maps stay small and still lead stack traces and debuggers to real files. Exits 1 otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();
const dist = join(root, 'dist');
const failures = [];
let maps = 0;
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.map')) continue;
  maps += 1;
  const map = JSON.parse(readFileSync(join(dist, file), 'utf8'));
  if (map.sourcesContent?.some((content) => content != null)) failures.push(`${file} embeds sourcesContent`);
  for (const source of map.sources ?? []) {
    const path = resolve(dirname(join(dist, file)), map.sourceRoot ?? '', source);
    const shipped = relative(root, path);
    // package.json is in every tarball; a bundled JSON import (the CLI's version) names it.
    if (!(shipped.startsWith('src/') || shipped === 'package.json') || !existsSync(path))
      failures.push(`${file} names ${source}, which the package does not ship`);
  }
}
if (maps === 0) failures.push('dist/ holds no source maps (run the build)');
const files = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).files ?? [];
if (!files.includes('src')) failures.push('package.json `files` does not ship src/, which the maps name');
if (failures.length > 0) {
  for (const failure of failures) console.error(`check-sourcemaps: ${failure}`);
  process.exit(1);
}
console.log(`check-sourcemaps: ${maps} maps name only shipped sources, without sourcesContent`);
