#!/usr/bin/env node
// Packaging check (runs after the build, in CI's check:package): the grammar the package ships is
// byte for byte the tree-sitter-bash release pinned in devDependencies, and `npm pack` includes it.
// Exits 1 with the reason otherwise.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const failures = [];
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies?.[
  'tree-sitter-bash'
];
const installed = JSON.parse(readFileSync(require.resolve('tree-sitter-bash/package.json'), 'utf8')).version;
if (!/^\d+\.\d+\.\d+$/.test(pinned ?? ''))
  failures.push(`tree-sitter-bash must be pinned to an exact devDependency version, found ${pinned}`);
if (installed !== pinned)
  failures.push(`installed tree-sitter-bash ${installed} is not the pinned ${pinned}`);

const shipped = join(root, 'dist', 'tree-sitter-bash.wasm');
if (!existsSync(shipped)) {
  failures.push('dist/tree-sitter-bash.wasm is missing (run the build)');
} else if (sha256(shipped) !== sha256(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'))) {
  failures.push(`dist/tree-sitter-bash.wasm differs from tree-sitter-bash ${installed}'s grammar`);
}

const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
);
if (!pack.files.some((file) => file.path === 'dist/tree-sitter-bash.wasm'))
  failures.push('the packed tarball lacks dist/tree-sitter-bash.wasm');
const declared = { ...JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies };
if ('tree-sitter-bash' in declared)
  failures.push('tree-sitter-bash is a runtime dependency; the package ships its wasm instead');

if (failures.length > 0) {
  for (const failure of failures) console.error(`check-grammar: ${failure}`);
  process.exit(1);
}
console.log(`check-grammar: dist/tree-sitter-bash.wasm is tree-sitter-bash ${installed} and is packed`);
