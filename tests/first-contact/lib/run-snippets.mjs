// Type-checks and runs the extracted blocks inside the newcomer's project. TypeScript is compiled
// by one `tsc -p` over every block (module nodenext, strict, target ES2022 for Node 20), each block
// as the file its first line names (`// main.mts`) or else `snippet.ts` — CommonJS in an
// `npm init -y` project, so a block with top-level await must say it is an ES module. The emitted
// JavaScript is what runs, with the project as its working directory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapLimit, run } from './proc.mjs';

const PRELUDES = join(dirname(fileURLToPath(import.meta.url)), '..', 'preludes');
const SNIPPET_MARK = '/* snippet */';
const RUN_TIMEOUT_MS = 90_000;

const where = (block) => `${block.file}:${block.line}`;

/** Writes each TypeScript block into `projDir/snippets/<n>/`; returns the blocks with their paths. */
function writeTs(projDir, blocks) {
  return blocks.map((block, n) => {
    let text = block.code;
    let fileName = block.fileName ?? 'snippet.ts';
    let offset = 0;
    if (block.prelude) {
      const prelude = readFileSync(join(PRELUDES, `${block.prelude}.mts`), 'utf8');
      const [head, tail] = prelude.split(`${SNIPPET_MARK}\n`);
      if (tail === undefined) throw new Error(`preludes/${block.prelude}.mts has no '${SNIPPET_MARK}' line`);
      text = `${head}${block.code}${tail}`;
      offset = head.split('\n').length - 1;
      fileName = 'snippet.mts';
    }
    const dir = `${n}`;
    mkdirSync(join(projDir, 'snippets', dir), { recursive: true });
    writeFileSync(join(projDir, 'snippets', dir, fileName), text);
    const out = fileName
      .replace(/\.ts$/, '.js')
      .replace(/\.mts$/, '.mjs')
      .replace(/\.cts$/, '.cjs');
    return { block, source: `snippets/${dir}/${fileName}`, out: join('out', dir, out), offset };
  });
}

/** One `tsc` over every TypeScript block; returns a map from block to its error lines (file:line named). */
async function typecheck(projDir, items, tsc, env) {
  writeFileSync(
    join(projDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        lib: ['es2023'],
        types: ['node'],
        strict: true,
        // Off: the published declarations must compile for a user who checks them, with nothing
        // installed beyond the packages and @types/node.
        skipLibCheck: false,
        rootDir: 'snippets',
        outDir: 'out',
      },
      include: ['snippets'],
    }),
  );
  const result = await run(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: projDir,
    env,
    timeoutMs: 180_000,
  });
  const errors = new Map();
  const bySource = new Map(items.map((item) => [item.source, item]));
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const match = /^(snippets\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
    const item = match && bySource.get(match[1]);
    if (!item) {
      if (!line.startsWith(' ')) errors.set('tsc', [...(errors.get('tsc') ?? []), line]);
      continue;
    }
    const row = Number(match[2]) - item.offset;
    const at =
      row >= 1 ? `${item.block.file}:${item.block.line + row}` : `preludes/${item.block.prelude}.mts`;
    errors.set(item, [...(errors.get(item) ?? []), `${at}: ${match[4]}`]);
  }
  if (result.code !== 0 && errors.size === 0)
    errors.set('tsc', [`tsc failed: ${result.stderr || result.stdout}`]);
  return errors;
}

/** Checks a non-TypeScript block: JSON parses, shell passes `bash -n`, shell runs when asked to. */
async function checkOther(projDir, block, env) {
  if (block.kind === 'json') {
    try {
      JSON.parse(block.code);
      return undefined;
    } catch (error) {
      return `${where(block)}: not valid JSON: ${error.message}`;
    }
  }
  const dir = join(projDir, 'snippets', `${block.kind}-${block.line}-${block.file.replace(/\W/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, block.fileName ?? `block.${block.kind}`);
  writeFileSync(file, block.code);
  const command = block.kind === 'js' ? process.execPath : 'bash';
  const args = block.action === 'run' ? [file] : block.kind === 'js' ? ['--check', file] : ['-n', file];
  return outcome(block, await run(command, args, { cwd: projDir, env, timeoutMs: RUN_TIMEOUT_MS }));
}

function outcome(block, result) {
  if (result.code === 0 && !result.timedOut) return undefined;
  const why = result.timedOut
    ? `did not finish within ${RUN_TIMEOUT_MS / 1000} s`
    : `exited ${result.code ?? result.signal}`;
  const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-15).join('\n    ');
  return `${where(block)}: ${block.action} ${why}\n    ${tail}`;
}

/**
 * Type-checks and runs `blocks` (already classified) in `projDir`; returns `{ counts, failures }`,
 * failures as messages that start with the block's file:line.
 */
export async function checkBlocks(projDir, blocks, { tsc, env, log }) {
  const counts = { run: 0, typecheck: 0, skip: 0 };
  const failures = [];
  for (const block of blocks) {
    if (block.error) failures.push(`${where(block)}: ${block.error}`);
    else counts[block.action]++;
  }
  const active = blocks.filter((block) => !block.error && block.action !== 'skip');
  mkdirSync(join(projDir, 'snippets'), { recursive: true });
  const items = writeTs(
    projDir,
    active.filter((block) => block.kind === 'ts'),
  );
  if (items.length > 0) {
    log(`type-checking ${items.length} TypeScript blocks`);
    const errors = await typecheck(projDir, items, tsc, env);
    for (const [key, lines] of errors) failures.push(key === 'tsc' ? lines.join('\n') : lines.join('\n'));
    const runnable = items.filter((entry) => entry.block.action === 'run' && !errors.has(entry));
    log(`running ${runnable.length} of them, two at a time`);
    const outcomes = await mapLimit(runnable, 2, async (item) => {
      const options = { cwd: projDir, env, timeoutMs: RUN_TIMEOUT_MS };
      return outcome(item.block, await run(process.execPath, [item.out], options));
    });
    failures.push(...outcomes.filter(Boolean));
  }
  for (const block of active.filter((entry) => entry.kind !== 'ts')) {
    const failure = await checkOther(projDir, block, env);
    if (failure) failures.push(failure);
  }
  return { counts, failures };
}
