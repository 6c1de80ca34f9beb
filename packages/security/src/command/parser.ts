// The bash parser: tree-sitter-bash's WASM grammar run by web-tree-sitter, initialised once per
// process on first use. The build copies the grammar's .wasm into dist/ beside this code, so the
// published package needs neither the tree-sitter-bash package (20 MB with a native install step)
// nor a download at run time; from source, the pinned tree-sitter-bash devDependency provides it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { spend } from './budget';
import { TooComplexError } from './limits';

// Built CJS has no import.meta.url (esbuild empties import.meta) but has __filename; built ESM and
// vitest have import.meta.url, which is tried first: in a worker started from source, a global
// __filename names the worker's bootstrap instead. Either anchors resolution at this package.
const anchor: string = (import.meta as { url?: string }).url ?? __filename;

/** File name of the grammar, beside the built code and in the tree-sitter-bash package. */
export const GRAMMAR_FILE = 'tree-sitter-bash.wasm';

/**
 * Where the bash grammar is, for code at `from` (a file URL or path): the copy beside it (the
 * built package), else the tree-sitter-bash package (source runs and tests). Throws an Error naming
 * both places when neither has it.
 */
export function grammarPath(from: string): string {
  const url = from.startsWith('file:') ? from : pathToFileURL(from).href;
  const beside = fileURLToPath(new URL(GRAMMAR_FILE, url));
  if (existsSync(beside)) return beside;
  try {
    return createRequire(url).resolve(`tree-sitter-bash/${GRAMMAR_FILE}`);
  } catch {
    throw new Error(
      `orchflow: the bash grammar is missing: neither ${beside} nor the tree-sitter-bash package was found (reinstall @orchflow/security)`,
    );
  }
}

let loading: Promise<Parser> | undefined;
let loaded: Parser | undefined;

async function load(): Promise<Parser> {
  const grammar = grammarPath(anchor);
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  loaded = parser;
  return parser;
}

/**
 * The parser {@link bashParser} has loaded, for code that runs after awaiting it (the policy
 * worker); throws if it has not been loaded in this thread.
 */
export function loadedBashParser(): Parser {
  if (!loaded) throw new Error('orchflow: the bash parser is not loaded yet (await bashParser() first)');
  return loaded;
}

/** The shared bash parser, loaded on first call; a failed load is retried on the next call. */
export function bashParser(): Promise<Parser> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

// tree-sitter calls back about every hundred parser operations; each call spends this many steps
// of the check's budget, so a parse that goes on for long is cut off at the same point every time.
const STEPS_PER_PROGRESS = 10;
// 1 000 heredocs in one command spend the whole budget; a handful spend nothing worth counting.
const HEREDOCS_SQUARED_PER_STEP = 10;

/**
 * Parses `source` with an initialised parser, spending the current check's work budget as the
 * parse proceeds; throws TooComplexError when the budget runs out, or if tree-sitter gives up.
 */
export function parseWith(parser: Parser, source: string): Tree {
  // Heredocs still pending on one line cost tree-sitter's scanner time quadratic in their number
  // (2 000 of them take seconds) with few progress calls, so they are paid for up front.
  const heredocs = source.match(/<<(?!<)/g)?.length ?? 0;
  spend(Math.ceil((heredocs * heredocs) / HEREDOCS_SQUARED_PER_STEP), 'heredocs');
  let spent: unknown;
  const tree = parser.parse(source, null, {
    // Returning true cancels the parse; throwing inside the WASM callback would not be safe.
    progressCallback: () => {
      try {
        spend(STEPS_PER_PROGRESS, 'parsing');
        return false;
      } catch (error) {
        spent = error;
        return true;
      }
    },
  });
  if (!tree) {
    // A cancelled parse would otherwise resume on the next call with other text.
    parser.reset();
    throw spent ?? new TooComplexError('tree-sitter-bash returned no tree');
  }
  return tree;
}
