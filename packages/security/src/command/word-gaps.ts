// Where tree-sitter-bash cuts one bash word into two. bash ends a word only at an unquoted blank
// or an operator; tree-sitter's grammar ends some words early: at a backslash inside `[…]`
// (`cat secre[\t]/key` is one glob to bash, matching `secret/key`, but two arguments, `secre[`
// and `\t]/key`, in the tree), or right after a quote or an expansion (`sec''\ret/key`,
// `$HOME\/x`), and in `a[\ ]b` it drops the escaped blank. Every rule judges words, so:
// - a command's name and arguments, and a redirection's target, are joined again into the words
//   bash sees (with what the parser dropped between the pieces), see {@link commandWordParts};
// - anywhere else (declarations, arrays, `for` lists, an assignment next to a word), or where
//   the dropped text is more than escaped characters and plain word characters, the line is
//   unsure ({@link splitWordFinding}).
// The walk spends no budget: checkNesting (scanner.ts) has already paid one step per node.
import type { Node } from 'web-tree-sitter';
import type { Construct } from './scan';

/** The rule of a line with a word split by the parser that is not joined again. */
export const SPLIT_WORD_RULE = 'unsure-parse:split-word';

/** One bash word: the parser's nodes for it and the text the parser dropped between them. */
export interface WordParts {
  parts: Node[];
  gaps: string[];
}

// Children of a command that are not words: redirections may touch a word (`cat x>y`).
const NOT_WORDS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect', 'comment']);
// Nodes whose named children are separate words that are not joined again.
const WORD_LISTS = new Set(['declaration_command', 'unset_command', 'array']);
const REDIRECTS = new Set(['file_redirect', 'herestring_redirect']);
// Text the parser may drop inside a word and that is joined back: escaped characters and plain
// word characters. Anything else (a quote, an expansion, a blank) is not guessed at.
const JOINABLE = /^(?:\\[^\n]|[^\s'"$`(){}<>|&;\\])*$/;

// What lies between two neighbouring nodes, line continuations removed; '' when they touch.
const between = (a: Node, b: Node, source: string): string =>
  source.slice(a.endIndex, b.startIndex).replace(/\\\n/g, '');
const isBlank = (gap: string): boolean => /^[ \t]+$/.test(gap);

// Neighbours with no blank between them, only joinable text, and no parse error are one word;
// an undefined entry (a redirection or an assignment between two pieces) keeps them apart.
function joinNeighbours(nodes: readonly (Node | undefined)[], source: string): WordParts[] {
  const words: WordParts[] = [];
  let last: Node | undefined;
  for (const node of nodes) {
    if (!node) {
      last = undefined;
      continue;
    }
    const gap = last ? between(last, node, source) : ' ';
    const word = words[words.length - 1];
    // What does not parse stays as the parser has it (extended globs: `cat @(secret)/key`).
    const parsed = !node.hasError && !last?.hasError;
    if (word && parsed && !isBlank(gap) && JOINABLE.test(gap)) {
      word.parts.push(node);
      word.gaps.push(gap);
    } else words.push({ parts: [node], gaps: [] });
    last = node;
  }
  return words;
}

/** The name and arguments of `command` as bash's words (see the module header). */
export function commandWordParts(command: Node, source: string): WordParts[] {
  const args = new Set(command.childrenForFieldName('argument').map((a) => a?.id));
  const nodes = command.namedChildren.map((child) =>
    !child
      ? undefined
      : child.type === 'command_name'
        ? (child.firstNamedChild ?? undefined)
        : args.has(child.id)
          ? child
          : undefined,
  );
  return joinNeighbours(nodes, source);
}

/**
 * A redirection's target as one word (the parser may split it like an argument). tree-sitter also
 * takes the words after the target for more destinations (`cat x>y z`): those stay words of their
 * own, judged as targets too, as before.
 */
export function redirectTargetParts(redirect: Node, source: string): WordParts[] {
  return joinNeighbours(
    redirect.childrenForFieldName('destination').map((t) => t ?? undefined),
    source,
  );
}

function finding(a: Node, b: Node, source: string): Construct {
  const word = source.slice(a.startIndex, b.endIndex);
  return {
    rule: SPLIT_WORD_RULE,
    reason: `'${word.slice(0, 60)}' is one word to bash but the policy's parser splits it; quote it or remove the backslash`,
  };
}

// The split between neighbours `a` and `b` that is not joined again, if there is one.
function unjoined(node: Node, a: Node, b: Node, source: string): boolean {
  const gap = between(a, b, source);
  if (isBlank(gap)) return false;
  if (REDIRECTS.has(node.type)) return !JOINABLE.test(gap);
  if (node.type !== 'command') return true;
  // Words of a command are joined (commandWordParts) unless an assignment takes part or the
  // dropped text is more than escapes and word characters. A word touching the end of a
  // redirection is the rest of its target (`$(<secre[\t]/key)`); a redirection's operator may
  // touch the word before it (`cat x>y`).
  if (REDIRECTS.has(a.type) && gap === '' && !NOT_WORDS.has(b.type)) return true;
  if (NOT_WORDS.has(a.type) || NOT_WORDS.has(b.type)) return false;
  return a.type === 'variable_assignment' || b.type === 'variable_assignment' || !JOINABLE.test(gap);
}

/** The first split word in `root`'s tree that is not joined again (see the module header). */
export function splitWordFinding(root: Node, source: string): Construct | undefined {
  const stack: Node[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.namedChildCount === 0) continue;
    const children = node.namedChildren;
    const words =
      WORD_LISTS.has(node.type) || node.type === 'command'
        ? children
        : node.type === 'for_statement'
          ? node.childrenForFieldName('value')
          : REDIRECTS.has(node.type)
            ? node.childrenForFieldName('destination')
            : [];
    for (let i = 1; i < words.length; i++) {
      const a = words[i - 1];
      const b = words[i];
      if (!a || !b || a.hasError || b.hasError || a.isMissing || b.isMissing) continue;
      if (unjoined(node, a, b, source)) return finding(a, b, source);
    }
    for (const child of children) if (child) stack.push(child);
  }
  return undefined;
}
