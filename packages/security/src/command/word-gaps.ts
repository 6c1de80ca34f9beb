// Where tree-sitter-bash cuts one bash word into two. bash ends a word only at an unquoted blank
// or an operator; tree-sitter's grammar ends some words early, e.g. at a backslash inside `[…]`:
// `cat secre[\t]/key` is one glob to bash (it matches `secret/key`) but two arguments, `secre[`
// and `\t]/key`, in the tree, and `a[\ ]b` loses its escaped blank. Every rule judges the tree's
// words, so such a line is unsure (see Scan.unsure): two neighbouring words of a command, a
// declaration, an array or a `for` list must have blanks, and nothing else, between them. The walk
// spends no budget: checkNesting (scanner.ts) has already paid one step per node of the tree.
import type { Node } from 'web-tree-sitter';
import type { Construct } from './scan';

/** The rule of a line with a word split by the parser (refused under every protective policy). */
export const SPLIT_WORD_RULE = 'unsure-parse:split-word';

// Children of a command that are not words: redirections may touch a word (`cat x>y`).
const NOT_WORDS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect', 'comment']);
// Nodes whose named children are separate words.
const WORD_LISTS = new Set(['command', 'declaration_command', 'unset_command', 'array']);

/** The first place in `root`'s tree where two words touch or have more than blanks between them. */
export function splitWordFinding(root: Node, source: string): Construct | undefined {
  const stack: Node[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.namedChildCount === 0) continue;
    const children = node.namedChildren;
    const words = WORD_LISTS.has(node.type)
      ? children
      : node.type === 'for_statement'
        ? node.childrenForFieldName('value')
        : [];
    for (let i = 1; i < words.length; i++) {
      const a = words[i - 1];
      const b = words[i];
      if (!a || !b || NOT_WORDS.has(a.type) || NOT_WORDS.has(b.type)) continue;
      // What does not parse is judged as a parse error (extended globs: `cat @(secret)/key`).
      if (a.hasError || b.hasError || a.isMissing || b.isMissing) continue;
      // A line continuation joins what it separates; only blanks separate words.
      const gap = source.slice(a.endIndex, b.startIndex).replace(/\\\n/g, '');
      if (!/^[ \t]+$/.test(gap)) {
        const word = source.slice(a.startIndex, b.endIndex);
        return {
          rule: SPLIT_WORD_RULE,
          reason: `'${word.slice(0, 60)}' is one word to bash but the policy's parser splits it; quote it or remove the backslash`,
        };
      }
    }
    for (const child of children) if (child) stack.push(child);
  }
  return undefined;
}
