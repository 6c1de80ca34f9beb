// Where tree-sitter-bash's tree and bash disagree about text: which leaves bash still expands,
// how a node is quoted, and whether a heredoc ends where bash ends it.
import type { Node } from 'web-tree-sitter';
import type { QuoteContext } from './substitutions';

// Leaves whose text bash does not expand further (raw strings are, inside double quotes).
/** Leaf node types whose text bash does not expand further. */
export const OPAQUE_LEAVES = new Set([
  'comment',
  'heredoc_start',
  'heredoc_end',
  'ansi_c_string',
  'variable_name',
  'special_variable_name',
  'number',
  'file_descriptor',
  'test_operator',
]);

/** Whether `node` is inside a tree-sitter ERROR node. */
export function hasErrorAncestor(node: Node): boolean {
  for (let n = node.parent; n; n = n.parent) if (n.isError) return true;
  return false;
}

// How `node`'s text is quoted: inside a double-quoted string up to the nearest substitution.
/** How `node`'s text is quoted (see {@link QuoteContext}). */
export function quoteContext(node: Node): QuoteContext {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'string') return 'dquote';
    if (n.type === 'command_substitution' || n.type === 'process_substitution' || n.type === 'program')
      return 'unquoted';
  }
  return 'unquoted';
}

/**
 * The body of a heredoc as bash reads it, or `undefined` when tree-sitter's body differs: it must
 * start on a later line than the operator, no line in it may be the delimiter (bash would stop
 * there), and the end line must be the delimiter exactly (after leading tabs for `<<-`).
 */
export function heredocBody(
  source: string,
  redirect: Node,
  first: Node,
  end: Node,
  delimiter: string,
  strip: boolean,
): string | undefined {
  const lineStart = (at: number) => source.lastIndexOf('\n', at - 1) + 1;
  const indent = (from: number, to: number) => (strip ? /^\t*$/ : /^$/).test(source.slice(from, to));
  const bodyStart = lineStart(first.startIndex);
  const endStart = lineStart(end.startIndex);
  if (bodyStart <= redirect.startIndex || !source.slice(redirect.startIndex, bodyStart).includes('\n'))
    return undefined;
  if (!indent(bodyStart, first.startIndex) || !indent(endStart, end.startIndex)) return undefined;
  const newline = source.indexOf('\n', end.startIndex);
  const endLine = source.slice(endStart, newline < 0 ? source.length : newline);
  const unindent = (line: string) => (strip ? line.replace(/^\t+/, '') : line);
  if (unindent(endLine) !== delimiter) return undefined;
  const body = source.slice(bodyStart, endStart);
  const lines = body === '' ? [] : body.slice(0, -1).split('\n');
  if (lines.some((line) => unindent(line) === delimiter)) return undefined;
  return body;
}
