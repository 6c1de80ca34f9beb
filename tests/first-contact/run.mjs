#!/usr/bin/env node
// The first-contact job (issue #13): what a newcomer outside the monorepo gets. Packs every
// publishable package, installs the tarballs with npm into an `npm init -y` project in a temp dir,
// then type-checks and runs every code block of the README, docs/*.md and the package READMEs there
// (as lib/snippets.mjs classifies them), drives the installed `orchflow` CLI, and measures the
// browser bundle of the installed @orchflow/client. Needs the packages built (`pnpm check:packages`
// does that first in `pnpm test`). Prints what failed, names file:line for a block, exits 1.
// Usage: node tests/first-contact/run.mjs [--keep]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCliScenarios } from './lib/cli.mjs';
import { createProject, packAll } from './lib/install.mjs';
import { killAll, run } from './lib/proc.mjs';
import { checkBlocks } from './lib/run-snippets.mjs';
import { extractBlocks } from './lib/snippets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();
const log = (text) => console.log(`[first-contact ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);

/** The markdown files whose code blocks a newcomer copies. */
function markdownFiles() {
  const docs = ['.', 'integration-guide', 'examples'].flatMap((dir) =>
    readdirSync(join(root, 'docs', dir))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join(dir, name)),
  );
  const readmes = readdirSync(join(root, 'packages'))
    .map((dir) => join('packages', dir, 'README.md'))
    .filter((path) => {
      try {
        return readFileSync(join(root, path)) !== undefined;
      } catch {
        return false;
      }
    });
  return ['README.md', ...docs.map((name) => join('docs', name)), ...readmes.sort()];
}

/**
 * The newcomer's environment: no npm/pnpm variables of the workspace's script runner and no
 * workspace `node_modules/.bin` on PATH, so `orchflow` and friends can only come from the project.
 */
function newcomerEnv(projDir) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_)/i.test(key)));
  const path = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.startsWith(root) && !dir.endsWith(join('node_modules', '.bin')));
  env.PATH = [join(projDir, 'node_modules', '.bin'), ...path].join(delimiter);
  return env;
}

async function bundleSize(projDir, env) {
  // The repository's size check, pointed at the installed package: it bundles dist/index.mjs of
  // the working directory with its dependencies as npm resolved them in the project.
  const result = await run(process.execPath, [join(root, 'scripts', 'check-bundle-size.mjs')], {
    cwd: join(projDir, 'node_modules', '@orchflow', 'client'),
    env,
  });
  log((result.stdout || result.stderr).trim());
  return result.code === 0 ? [] : [`bundle size: ${result.stderr.trim() || `exit ${result.code}`}`];
}

async function main(tmp) {
  const packDir = join(tmp, 'packs');
  const projDir = join(tmp, 'newcomer');
  mkdirSync(packDir);
  mkdirSync(projDir);
  if (!relative(root, projDir).startsWith('..')) throw new Error(`${projDir} is inside the workspace`);
  const env = newcomerEnv(projDir);

  const blocks = markdownFiles().flatMap((file) =>
    extractBlocks(readFileSync(join(root, file), 'utf8'), file),
  );
  log(`${blocks.length} code blocks in the docs; packing`);
  const { tarballs } = await packAll(root, packDir, process.env);
  log(`packed ${tarballs.length}; npm install into ${projDir}`);
  await createProject(projDir, tarballs, env);

  // The docs' blocks and the CLI scenarios do not touch each other's files or ports: they run side
  // by side, and the bundle check after them.
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const bin = join(projDir, 'node_modules', '.bin', 'orchflow');
  const [blockResult, cliFailures] = await Promise.all([
    checkBlocks(projDir, blocks, { tsc, env, log }),
    runCliScenarios({ projDir, cwd: projDir, env, tmp, tarballs, bin, log }),
  ]);
  const { counts, failures } = blockResult;
  log(
    `blocks: ${counts.run} run, ${counts.typecheck} type-checked, ${counts.skip} skipped, ${failures.length} failed`,
  );
  failures.push(...cliFailures, ...(await bundleSize(projDir, env)));
  // npm ran @orchflow/terminal's install script, which compiles the launcher every terminal starts
  // through (without it terminals fall back to perl's, a few ms slower per process).
  // It is run only when neither it nor its directory is writable by group or others.
  const launcher = join(projDir, 'node_modules', '@orchflow', 'terminal', 'native', 'orchflow-launch');
  if (!existsSync(launcher)) failures.push(`npm install did not compile the native launcher (${launcher})`);
  else if ([launcher, dirname(launcher)].some((path) => (statSync(path).mode & 0o022) !== 0))
    failures.push(`the native launcher or its directory is writable by others (${launcher})`);
  return failures;
}

const tmp = mkdtempSync(join(tmpdir(), 'orchflow-first-contact-'));
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await killAll();
  // --keep leaves the project for a look (the blocks are in snippets/, compiled in out/).
  if (process.argv.includes('--keep')) log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => cleanup().then(() => process.exit(130)));
}

let failures;
try {
  failures = await main(tmp);
} catch (error) {
  failures = [`setup: ${error.stack ?? error}`];
} finally {
  await cleanup();
}
const took = `${((Date.now() - started) / 1000).toFixed(0)} s`;
if (failures.length > 0) {
  console.error(`\nfirst-contact: ${failures.length} failure(s) in ${took}:\n`);
  for (const failure of failures) console.error(`- ${failure}\n`);
  process.exit(1);
}
log(`all passed in ${took}`);
