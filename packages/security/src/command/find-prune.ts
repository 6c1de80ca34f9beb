// What find's walk reads and skips. It reads names and metadata only unless the expression runs a
// command on what it finds (`-exec`, `-ok` …) or deletes it, and it never enters a directory its
// expression prunes first: `find . -path ./secret -prune -o -name '*.ts' -print` (also
// `-name secret -prune`, `-type d -name secret -prune`, `\( -path ./a -o -path ./b \) -prune`).
// `-depth` (and `-delete`, which implies it) or `-mindepth` make `-prune` ineffective or skipped,
// so then nothing counts as pruned.
import type { FileArgs } from './file-args';
import { plainSkip, type WalkSkip } from './walk-skips';
import { mayBeOption, type WordValue } from './words';

const CONTENT = new Set(['-exec', '-execdir', '-ok', '-okdir', '-delete']);
const NO_PRUNE = new Set(['-depth', '-d', '-delete', '-mindepth']);
// Options find takes anywhere that change no test's result for an entry.
const POSITIONAL_OPTIONS = new Set(['-xdev', '-mount', '-noleaf', '-ignore_readdir_race', '-follow']);
const TESTS: Record<string, Partial<WalkSkip>> = {
  '-path': {},
  '-wholename': {},
  '-ipath': { fold: true },
  '-iwholename': { fold: true },
  '-name': {},
  '-iname': { fold: true },
};

// One conjunction of tests from `at` (`-type d -name x`, `-path ./x -a -type d`): the skip and the
// index after it, or `undefined` when it has anything else.
function conjunction(words: readonly string[], args: readonly WordValue[], at: number) {
  const skip: WalkSkip = {};
  let i = at;
  for (; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-a' || w === '-and') continue;
    if (w === '-type' && words[i + 1] === 'd') {
      skip.dirOnly = true;
      i++;
    } else if (w in TESTS && args[i + 1]?.literal && words[i + 1] !== undefined) {
      const value = words[i + 1] as string;
      const field = w.includes('name') ? 'name' : 'path';
      if (skip[field] !== undefined) return undefined;
      Object.assign(skip, TESTS[w], { [field]: value });
      i++;
    } else break;
  }
  if (skip.name === undefined && skip.path === undefined) return undefined;
  const plain = plainSkip(skip);
  return plain ? { skip: plain, next: i } : undefined;
}

// `TESTS -prune -o …` or `( TESTS -o TESTS … ) -prune -o …` starting at `at`.
function pruned(words: readonly string[], args: readonly WordValue[], at: number): WalkSkip[] {
  let i = at;
  while (POSITIONAL_OPTIONS.has(words[i] ?? '') || words[i] === '-maxdepth')
    i += words[i] === '-maxdepth' ? 2 : 1;
  const skips: WalkSkip[] = [];
  if (words[i] === '(') {
    for (i++; ; i++) {
      const one = conjunction(words, args, i);
      if (!one) return [];
      skips.push(one.skip);
      i = one.next;
      if (words[i] === ')') break;
      if (words[i] !== '-o' && words[i] !== '-or') return [];
    }
    i++;
  } else {
    const one = conjunction(words, args, i);
    if (!one) return [];
    skips.push(one.skip);
    i = one.next;
  }
  if (words[i] === '-a' || words[i] === '-and') i++;
  return words[i] === '-prune' && ['-o', '-or'].includes(words[i + 1] ?? '') ? skips : [];
}

/** Whether find's walk reads contents, and what it prunes; `expressionAt` is the first expression word. */
export function findWalk(
  args: readonly WordValue[],
  expressionAt: number,
  words: readonly string[],
): Pick<FileArgs, 'namesOnly' | 'skips'> {
  const expression = words.slice(expressionAt);
  const noPrune = expression.some((w) => NO_PRUNE.has(w));
  // A run-time word or a glob could become `-exec` or `-delete` when it expands.
  const unknown = args.slice(expressionAt).some((w) => mayBeOption(w));
  return {
    namesOnly: !unknown && !expression.some((w) => CONTENT.has(w)),
    skips: noPrune ? [] : pruned(words, args, expressionAt),
  };
}
