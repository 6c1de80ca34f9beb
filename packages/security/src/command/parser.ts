// The bash parser: tree-sitter-bash's WASM grammar run by web-tree-sitter, initialised once per
// process on first use. The grammar ships inside the tree-sitter-bash npm package, so nothing is
// fetched at run time.
import { createRequire } from 'node:module';
import { Language, Parser, type Tree } from 'web-tree-sitter';

// Built CJS has no import.meta (esbuild empties it) but has __filename; built ESM and vitest have
// import.meta.url. Either anchors resolution at this package, wherever it is installed.
const anchor = typeof __filename === 'string' ? __filename : import.meta.url;

let loading: Promise<Parser> | undefined;

async function load(): Promise<Parser> {
  const grammar = createRequire(anchor).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  return parser;
}

/** The shared bash parser, loaded on first call; a failed load is retried on the next call. */
export function bashParser(): Promise<Parser> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Parses `source` with an initialised parser; throws if tree-sitter gives up (e.g. timeout). */
export function parseWith(parser: Parser, source: string): Tree {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter-bash returned no tree');
  return tree;
}
