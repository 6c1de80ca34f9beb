// Packs every publishable package of the workspace with `pnpm pack` (as publishing would) and
// installs the tarballs with npm into a fresh `npm init -y` project outside the workspace.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapLimit, run } from './proc.mjs';

/** Packs each non-private package under packages/* into `packDir`; returns `{ tarballs }`; any that fails to pack fails the job. */
export async function packAll(root, packDir, env) {
  const tarballs = [];
  const packed = new Map();
  const publishable = readdirSync(join(root, 'packages'))
    .sort()
    .map((dir) => join(root, 'packages', dir))
    .filter((pkgDir) => existsSync(join(pkgDir, 'package.json')))
    .map((pkgDir) => ({ pkgDir, manifest: JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);
  const problems = await mapLimit(publishable, 2, ({ pkgDir }) =>
    existsSync(join(pkgDir, 'dist')) ? pack(pkgDir, packDir, env) : 'has no dist/ (not built)',
  );
  for (const [index, { manifest }] of publishable.entries()) {
    const problem = problems[index];
    if (problem !== undefined) throw new Error(`${manifest.name} ${problem}`);
    const tarball = join(
      packDir,
      `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
    );
    if (!existsSync(tarball)) throw new Error(`pnpm pack of ${manifest.name} wrote no ${tarball}`);
    tarballs.push(tarball);
    packed.set(manifest.name, manifest);
  }
  // npm would fetch a sibling that was not packed from the registry, where the name may belong to
  // someone else: refuse instead.
  for (const manifest of packed.values()) {
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (dep.startsWith('@orchflow/') && !packed.has(dep)) {
        throw new Error(`${manifest.name} depends on ${dep}, which was not packed`);
      }
    }
  }
  return { tarballs };
}

async function pack(pkgDir, packDir, env) {
  const result = await run('pnpm', ['pack', '--pack-destination', packDir], {
    cwd: pkgDir,
    env,
    timeoutMs: 120_000,
  });
  if (result.code === 0) return undefined;
  return `failed to pack (exit ${result.code}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`;
}

/**
 * Creates the newcomer's project in `projDir`: `npm init -y`, then `npm install` of the tarballs
 * and of `@types/node` (what a TypeScript user adds; typescript itself comes from the workspace).
 */
export async function createProject(projDir, tarballs, env) {
  const init = await run('npm', ['init', '-y'], { cwd: projDir, env });
  if (init.code !== 0) throw new Error(`npm init -y failed: ${init.stderr}`);
  const manifest = JSON.parse(readFileSync(join(projDir, 'package.json'), 'utf8'));
  if (manifest.type !== 'commonjs') {
    throw new Error(`npm init -y wrote "type": ${JSON.stringify(manifest.type)}; the job assumes "commonjs"`);
  }
  // --prefer-offline: what a warm npm cache holds is used without a metadata request per package.
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  const install = await run('npm', ['install', ...flags, ...tarballs, '@types/node@20'], {
    cwd: projDir,
    env,
    timeoutMs: 300_000,
  });
  if (install.code !== 0) throw new Error(`npm install failed (exit ${install.code}):\n${install.stderr}`);
}
