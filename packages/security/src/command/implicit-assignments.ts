// Assignments that are not written as `NAME=value` nor made by an assigning builtin, found so
// that the policy's assignment rules see them like any other (scanner.ts records them):
// - the assigning parameter expansions `${NAME:=word}` and `${NAME=word}` (also `${NAME[k]:=word}`),
//   wherever a word is expanded;
// - arithmetic, which assigns with `=`, `+=` … `|=`, `++` and `--` in `((…))`, `$((…))`, `$[…]`,
//   C-style `for`, an indexed array's subscript, a `${NAME:offset:length}` and the operands of
//   `[[ … -eq … ]]` (`let` and integer declarations are read with the builtins, assignments.ts):
//   `(( PATH = 1 ))` makes PATH the relative directory `1`;
// - prefix assignments after the reserved words `time` and `coproc`, which tree-sitter-bash takes
//   for a command name (`time CDPATH=/root cd .ssh` moves the shell into /root/.ssh);
// - `{NAME}>file` (and every other redirection operator but a close, `{NAME}>&-`), which stores
//   the file descriptor bash opened in NAME, and `coproc NAME compound-command`, which sets NAME
//   and NAME_PID: tree-sitter-bash parses neither, so both are found in the text.
// What is assigned through a name or expression known only at run time (`${!ref:=word}`,
// `(( $ref = 1 ))`, `x='PATH=1'; echo $((x))`) is not listed: under an allowlist the indirection
// or evaluation is refused (evaluation.ts); under a denylist arithmetic on run-time values stays
// allowed (docs/security.md), so it can still assign.
import type { Node } from 'web-tree-sitter';
import { CHARS_PER_STEP, spend } from './budget';
import type { FoundAssignment } from './scan';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An identifier that starts a token: not the tail of a word or number (`0x1F`, `16#ff`), nor the
// name of an expansion (`$x`, `${x}`, `${#x}`), whose value, not the name, is what is evaluated.
const ARITHMETIC_NAME = /(?<![A-Za-z0-9_$#{])[A-Za-z_][A-Za-z0-9_]*/g;
// Sticky: tried right after a name (and its subscript).
const ASSIGNING_OPERATOR = /\s*(?:(?:[-+*/%&^|]|<<|>>)?=(?!=)|\+\+|--)/y;
const ARITHMETIC_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
// Where a `{NAME}` word before a redirection is quoted or not code, it assigns nothing.
const NOT_CODE = new Set([
  'string',
  'raw_string',
  'ansi_c_string',
  'translated_string',
  'comment',
  'heredoc_body',
]);
const CODE_BOUNDARY = new Set(['command_substitution', 'process_substitution', 'program']);
// bash reads `{NAME}` as a variable for the descriptor only as a whole word right before `<` or `>`.
const FD_VARIABLE = /(?<=^|[\s;&|()])\{([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\}(?=[<>])(?![<>]&-)/g;
// A coprocess is named only when a compound command follows the name (else the name is the command).
const COPROC =
  /(?<=^|[\s;&|()!])coproc\s+([A-Za-z_][A-Za-z0-9_]*)\s+(?=\{\s|\(|\[\[\s|(?:if|for|while|until|case|select)\s)/g;

// The index of the `]` closing the `[` at `open`, or -1.
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}

// Every `[` of `text` mapped to its `]`, in one pass (a subscript per name would be quadratic).
function bracketPairs(text: string): Map<number, number> {
  const pairs = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '[') open.push(i);
    else if (text[i] === ']' && open.length > 0) pairs.set(open.pop() as number, i);
  }
  return pairs;
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * The variables the arithmetic expression `text` assigns when bash evaluates it: `a = 1`, `a += 1`
 * … `a |= 1`, `a++`, `--a`, `a[i] = 1` (as `a`). Names inside nested expansions are not listed.
 */
export function arithmeticTargets(text: string): string[] {
  spend(Math.ceil(text.length / CHARS_PER_STEP), 'arithmetic assignments');
  const names: string[] = [];
  let pairs: Map<number, number> | undefined;
  for (const m of text.matchAll(ARITHMETIC_NAME)) {
    const start = m.index ?? 0;
    let before = start - 1;
    while (isSpace(text[before])) before--;
    const pre = before >= 1 ? text.slice(before - 1, before + 1) : '';
    let end = start + m[0].length;
    let next = end;
    while (isSpace(text[next])) next++;
    if (text[next] === '[') {
      pairs ??= bracketPairs(text);
      const close = pairs.get(next);
      if (close !== undefined) end = close + 1;
    }
    ASSIGNING_OPERATOR.lastIndex = end;
    if (pre === '++' || pre === '--' || ASSIGNING_OPERATOR.test(text)) names.push(m[0]);
  }
  return names;
}

/**
 * The variables the parameter expansion `text` (`${…}` as written) assigns: NAME of
 * `${NAME:=word}` and `${NAME=word}` (also with a subscript), and what arithmetic in a subscript
 * or in `${NAME:offset:length}` assigns. `${NAME:-word}`, `${NAME:+word}`, `${NAME:?word}`,
 * `${!prefix*}` and `${NAME@A}` assign nothing; `${!ref:=word}` assigns a name known only at run
 * time (not listed).
 */
export function parameterAssignments(text: string): string[] {
  spend(Math.ceil(text.length / CHARS_PER_STEP), 'parameter expansions');
  const head = /^\$\{([#!]?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])/.exec(text);
  if (!head) return [];
  const names: string[] = [];
  let at = head[0].length;
  if (text[at] === '[') {
    const close = closing(text, at);
    if (close < 0) return [];
    names.push(...arithmeticTargets(text.slice(at + 1, close)));
    at = close + 1;
  }
  const rest = text.slice(at);
  const name = head[2] as string;
  if (/^:?=/.test(rest)) {
    if (head[1] === '' && IDENTIFIER.test(name)) names.push(name);
  } else if (rest.startsWith(':') && !/^:[-+?]/.test(rest)) names.push(...arithmeticTargets(rest.slice(1)));
  return names;
}

// The text of `node` up to and including its `))` token (a C-style `for` without its body).
function throughDoubleParen(node: Node): string {
  const close = node.children.find((c) => c?.type === '))');
  return close ? node.text.slice(0, close.endIndex - node.startIndex) : node.text;
}

/**
 * The assignments the tree node `node` itself makes without a `NAME=value` node: an assigning
 * `${…}` expansion, arithmetic (`$((…))`, `((…))`, C-style `for`, a subscript outside an
 * expansion, `[[ x -eq y ]]`), prefix assignments after `time` or `coproc`. Nodes inside it are
 * judged on their own.
 */
export function nodeAssignments(node: Node): FoundAssignment[] {
  const text = node.text.slice(0, 80);
  if (node.type === 'command') {
    const { names, command } = keywordPrefixAssignments(node);
    return names.map((name) => ({ name, text, exported: command }));
  }
  return assignedNames(node).map((name) => ({ name, text, exported: false }));
}

function assignedNames(node: Node): string[] {
  switch (node.type) {
    case 'expansion':
      return parameterAssignments(node.text);
    case 'arithmetic_expansion':
      return arithmeticTargets(node.text);
    case 'compound_statement':
      return node.firstChild?.type === '((' ? arithmeticTargets(node.text) : [];
    case 'c_style_for_statement':
      return arithmeticTargets(throughDoubleParen(node));
    case 'subscript': {
      // An expansion's subscript is read with the expansion (parameterAssignments).
      if (node.parent?.type === 'expansion') return [];
      const name = node.firstNamedChild;
      return arithmeticTargets(name ? node.text.slice(name.endIndex - node.startIndex) : node.text);
    }
    case 'binary_expression': {
      const op = node.children.find((c) => c?.type === 'test_operator');
      if (!op || !ARITHMETIC_TESTS.has(op.text)) return [];
      return node.namedChildren.flatMap((c) => (c && c.id !== op.id ? arithmeticTargets(c.text) : []));
    }
    default:
      return [];
  }
}

// The reserved words tree-sitter-bash takes for a command name although the words after them are
// a whole simple command, prefix assignments included: `time -p PATH=/tmp ls`, `coproc PATH=. ls`.
const PREFIX_KEYWORDS = new Set(['time', 'coproc']);
const PREFIX_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;

// The prefix assignments after such a word, and whether a command follows them (which gets them
// in its environment; alone they set the shell's variables, as `NAME=value` does).
function keywordPrefixAssignments(node: Node): { names: string[]; command: boolean } {
  const name = node.childForFieldName('name');
  if (!name || !PREFIX_KEYWORDS.has(name.text)) return { names: [], command: false };
  const raw = [name.text, ...node.childrenForFieldName('argument').map((a) => a?.text ?? '')];
  const at = prefixAssignments(raw);
  const names = at.map((i) => PREFIX_ASSIGNMENT.exec(raw[i] as string)?.[1] as string);
  return { names, command: raw.length > 1 + (at.at(-1) ?? 0) };
}

// The indexes of the words (as written, the keyword first) that are prefix assignments; `time`'s
// own options (`-p`, `--`) come before them.
function prefixAssignments(raw: readonly string[]): number[] {
  const found: number[] = [];
  for (let i = 1; i < raw.length; i++) {
    const w = raw[i] as string;
    if (found.length === 0 && raw[0] === 'time' && w.startsWith('-')) continue;
    if (!PREFIX_ASSIGNMENT.test(w)) break;
    found.push(i);
  }
  return found;
}

/**
 * The indexes of the words of a simple command (`raw`: each as written, the command name first)
 * that are prefix assignments after the reserved word `time` (`time -p CDPATH=/x cd y`).
 */
export function timedAssignments(raw: readonly string[]): number[] {
  return raw[0] === 'time' ? prefixAssignments(raw) : [];
}

// Whether the text at `index` of the tree under `root` is unquoted code (not in a string, comment
// or heredoc body), so that bash reads it as words.
function isCode(root: Node, index: number): boolean {
  for (let n: Node | null = root.descendantForIndex(index); n; n = n.parent) {
    if (NOT_CODE.has(n.type)) return false;
    if (CODE_BOUNDARY.has(n.type)) return true;
  }
  return true;
}

/**
 * The assignments in `source` (parsed as `root`) that tree-sitter-bash does not parse: the
 * descriptor variable of `{NAME}>file` and the variables of `coproc NAME { …; }`.
 */
export function unparsedAssignments(root: Node, source: string): FoundAssignment[] {
  const found: FoundAssignment[] = [];
  for (const m of source.matchAll(FD_VARIABLE))
    if (isCode(root, m.index ?? 0))
      found.push({ name: m[1] as string, text: source.slice(m.index ?? 0).slice(0, 80), exported: false });
  for (const m of source.matchAll(COPROC)) {
    const at = m.index ?? 0;
    if (!isCode(root, at) || root.descendantForIndex(at)?.parent?.type !== 'command_name') continue;
    const text = source.slice(at, at + 80);
    found.push(
      { name: m[1] as string, text, exported: false },
      { name: `${m[1]}_PID`, text, exported: false },
    );
  }
  return found;
}
