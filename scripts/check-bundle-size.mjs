#!/usr/bin/env node
// Size check of @orchflow/client's browser entry (run after the build, in CI's check:package):
// bundles dist/index.mjs for the browser as an app would (minified, dependencies included, sibling
// packages from their dist/ like a user's install, not from source), gzips it and fails above the
// budget. Usage: node scripts/check-bundle-size.mjs [--max-kb 35]  (cwd: packages/client)
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const DEFAULT_MAX_KB = 35;
const flag = process.argv.indexOf('--max-kb');
const maxKb = flag === -1 ? DEFAULT_MAX_KB : Number(process.argv[flag + 1]);
if (!Number.isFinite(maxKb) || maxKb <= 0) {
  console.error('check-bundle-size: --max-kb needs a positive number');
  process.exit(2);
}

const result = await build({
  entryPoints: [join(process.cwd(), 'dist', 'index.mjs')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  // No tsconfig: its dev-time `paths` would point @orchflow/* at src/ instead of what ships.
  tsconfigRaw: '{}',
  write: false,
  metafile: true,
  logLevel: 'error',
});
const code = result.outputFiles[0].contents;
const gzipKb = gzipSync(code).length / 1024;
const line = `browser bundle of @orchflow/client: ${(code.length / 1024).toFixed(1)} KB minified, ${gzipKb.toFixed(1)} KB gzipped (budget ${maxKb} KB)`;
if (gzipKb > maxKb) {
  // Name the biggest contributors so the cause is visible in the CI log.
  const sizes = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const key = file
      .replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '')
      .split('/')
      .slice(0, 3)
      .join('/');
    sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
  }
  const top = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.error(`check-bundle-size: ${line}: over budget. Largest inputs (minified bytes):`);
  for (const [name, bytes] of top) console.error(`  ${name}: ${bytes}`);
  process.exit(1);
}
console.log(`check-bundle-size: ${line}`);
