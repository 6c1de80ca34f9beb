// Shell words to strings: quote removal, escapes and tilde expansion, as bash would do them, for
// the words the parser hands us. A word is "literal" only when bash would pass it through
// unchanged by any expansion; command names must be literal, arguments may not be.
import { readFileSync } from 'node:fs';
import type { Node } from 'web-tree-sitter';
import { expandBraces, hasBraceList } from './braces';
import type { WalkSkip } from './walk-skips';

/** A word after quote removal. */
export interface WordValue {
  /** The word's value; parts that are not literal keep their source text. */
  value: string;
  /** True when no expansion (parameter, command, arithmetic, glob, brace, `$'…'`) applies. */
  literal: boolean;
  /** The literal text before the first non-literal part (for path checks of `/etc/$x`). */
  prefix: string;
  /**
   * True when a part is only known at run time (parameter, command or arithmetic expansion,
   * `$'…'`, an unknown `~user`); false for literals and words that only glob or brace-expand.
   */
  expanded: boolean;
  /** For a word with brace expansion and no run-time part: the words it expands to. */
  alternatives?: string[];
  /** A glob none of whose matches starts with `-` at check time (glob-options.ts): not an option. */
  dashFree?: boolean;
  /** For a path find's `{}` stands for: the start point it was found from and what the walk prunes. */
  walk?: { start: string; skips: readonly WalkSkip[] };
}

/** A word with no expansion at all: `value` as written. */
export const literalWord = (value: string): WordValue => ({
  value,
  literal: true,
  prefix: value,
  expanded: false,
});

/**
 * Whether a word could turn into an option at run time: an expansion (also word-split), or a glob
 * or brace expansion that may produce a name starting with `-`.
 */
export function mayBeOption(word: WordValue): boolean {
  if (word.literal || word.dashFree) return false;
  if (word.expanded) return true;
  if (word.alternatives) return word.alternatives.some((a) => a.startsWith('-'));
  return word.prefix === '' || word.prefix.startsWith('-');
}

let passwd: Map<string, string> | undefined;

// `~user` as bash resolves it (getpwnam); /etc/passwd is what the terminal's shell sees too.
function userHome(user: string): string | undefined {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const fields = line.split(':');
        if (fields[0] && fields[5]) passwd.set(fields[0], fields[5]);
      }
    } catch {
      // No passwd file: every `~user` stays unknown, which fails closed.
    }
  }
  return passwd.get(user);
}

// Unquoted glob characters and brace expansion make a word something other than itself.
const GLOB = /[*?[]/;
// `{…,…}` or `{a..b}`; linear, where the equivalent regex backtracks quadratically.
const BRACE = { test: hasBraceList };

function unescapeUnquoted(text: string): { value: string; special: boolean } {
  let value = '';
  let special = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text[i + 1];
      i++;
      if (next !== undefined && next !== '\n') value += next;
      continue;
    }
    if (GLOB.test(ch)) special = true;
    value += ch;
  }
  if (BRACE.test(text)) special = true;
  return { value, special };
}

function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
}

/** Variables known to take each of several values, such as a `for` loop's over literal words. */
export type ListVars = ReadonlyMap<string, readonly string[]>;

// Words with list variables expand to this many alternatives at most; beyond, only run time knows.
const MAX_ALTERNATIVES = 256;

class Builder {
  constructor(
    readonly vars: Readonly<Record<string, string>>,
    readonly lists: ListVars,
  ) {}
  value = '';
  prefix = '';
  literal = true;
  expanded = false;
  /** Every value the word may take, once a list variable is part of it. */
  alternatives?: string[];
  add(text: string, literal: boolean): void {
    if (this.literal && literal) this.prefix += text;
    if (!literal) {
      this.literal = false;
      this.expanded = true;
    }
    this.value += text;
    if (this.alternatives) this.alternatives = this.alternatives.map((a) => a + text);
  }
  /** A list variable's expansion: the word takes each of `values` (as globs, which they may be). */
  addList(text: string, values: readonly string[]): void {
    const before = this.alternatives ?? [this.value];
    this.literal = false;
    this.value += text;
    if (before.length * values.length > MAX_ALTERNATIVES) this.expanded = true;
    else this.alternatives = before.flatMap((a) => values.map((v) => a + v));
  }
}

// A tilde prefix: `~`, `~user`, `~+` or `~-`, up to a `/` (or, in an assignment's value, a `:`).
// `~+N`/`~-N` name the directory stack's entries: only known at run time, like `~+`/`~-`.
const TILDE = /^~([A-Za-z0-9._-]*|[+-]\d*)(?=\/|$)/;
const TILDE_IN_VALUE = /^~([A-Za-z0-9._-]*|[+-]\d*)(?=[/:]|$)/;
// An argument shaped like an assignment: bash expands `~` after its first `=` and after each `:`.
const ASSIGNMENT_SHAPE = /^[A-Za-z_][A-Za-z0-9_]*=/;

// A tilde prefix's value: HOME for `~`, the passwd entry for `~user`; `~+`/`~-` only at run time.
function addTilde(prefix: RegExpExecArray, out: Builder): void {
  const who = prefix[1] ?? '';
  const home = who === '' ? out.vars.HOME : /^[+-]\d*$/.test(who) ? undefined : userHome(who);
  out.add(home ?? prefix[0], home !== undefined);
}

// Unquoted text without tilde prefixes: escapes removed, globs and braces noted.
function addUnquoted(text: string, out: Builder): void {
  const { value, special } = unescapeUnquoted(text);
  if (special) {
    // The literal prefix ends where the glob or brace begins.
    const cut = text.search(/[*?[{]/);
    if (out.literal && cut >= 0) out.prefix += unescapeUnquoted(text.slice(0, cut)).value;
    out.literal = false;
    out.value += value;
    if (out.alternatives) out.alternatives = out.alternatives.map((a) => a + value);
  } else out.add(value, true);
}

// `if=~/x`, `a=b:~/c`: bash (outside posix mode) expands the tilde prefixes of an argument that
// looks like an assignment, right after the first `=` and after each unquoted `:`.
function addAssignmentShaped(text: string, out: Builder): void {
  const eq = text.indexOf('=');
  let at = 0;
  for (let p = eq + 1; p < text.length; p++) {
    if (text[p] !== '~' || (p !== eq + 1 && (text[p - 1] !== ':' || text[p - 2] === '\\'))) continue;
    const prefix = TILDE_IN_VALUE.exec(text.slice(p));
    if (!prefix) continue;
    addUnquoted(text.slice(at, p), out);
    addTilde(prefix, out);
    at = p + prefix[0].length;
    p = at - 1;
  }
  addUnquoted(text.slice(at), out);
}

function build(node: Node, out: Builder): void {
  switch (node.type) {
    case 'word':
    case 'number': {
      // Tilde expansion: an unquoted `~`, `~user`, `~+` or `~-` that starts the word, or (in an
      // argument shaped like an assignment) starts its value or follows a `:` in it.
      const tilde = out.value === '' ? TILDE.exec(node.text) : null;
      if (tilde) {
        addTilde(tilde, out);
        addUnquoted(node.text.slice(tilde[0].length), out);
      } else if (out.value === '' && ASSIGNMENT_SHAPE.test(node.text)) addAssignmentShaped(node.text, out);
      else addUnquoted(node.text, out);
      return;
    }
    case 'raw_string':
      out.add(node.text.slice(1, -1), true);
      return;
    case 'string':
    case 'concatenation':
      for (const child of node.namedChildren) if (child) build(child, out);
      // Brace expansion spans several word nodes (`{`, `a,b`, `}`); judge the whole source.
      if (node.type === 'concatenation' && BRACE.test(node.text)) out.literal = false;
      return;
    case 'string_content':
      out.add(unescapeDoubleQuoted(node.text), true);
      return;
    case 'simple_expansion':
    case 'expansion': {
      // `$HOME` / `${HOME}`: variables the caller vouches for count as literals.
      const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(node.text)?.[1];
      const known = name === undefined ? undefined : out.vars[name];
      const list = name === undefined ? undefined : out.lists.get(name);
      if (known === undefined && list !== undefined) out.addList(node.text, list);
      else out.add(known ?? node.text, known !== undefined);
      return;
    }
    default:
      // Expansions, substitutions, `$'…'`, `$"…"`: their value is only known at run time.
      out.add(node.text, false);
  }
}

// True when a bracket expression of `source` (a word as written) holds a backslash, a quote or
// an expansion: bash reads such a bracket differently from its quote-removed text.
function quotedInBracket(source: string): boolean {
  let open = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (open >= 0) {
      if (c === '\\' || c === "'" || c === '"' || c === '$' || c === '`') return true;
      // `]` right after `[`, `[!` or `[^` is a member, not the end.
      if (c === ']' && i > open + 1 && !(i === open + 2 && /[!^]/.test(source[open + 1] as string)))
        open = -1;
    } else if (c === '\\') i++;
    else if (c === "'") i = source.indexOf("'", i + 1) < 0 ? source.length : source.indexOf("'", i + 1);
    else if (c === '"') i = source.indexOf('"', i + 1) < 0 ? source.length : source.indexOf('"', i + 1);
    else if (c === '[') open = i;
  }
  return false;
}

/**
 * The value of a word node after quote removal, and whether it is a literal; `vars` are
 * variables whose value is known (`HOME`, which also drives tilde expansion), `lists` variables
 * that take each of several values (the word then lists its `alternatives`).
 */
export function wordValue(
  node: Node,
  vars: Readonly<Record<string, string>> = {},
  lists: ListVars = new Map(),
): WordValue {
  return joinedWordValue([node], [], vars, lists);
}

/**
 * The value of one bash word that the parser split into `parts` (word-gaps.ts), with `gaps[i]`
 * the unquoted text between `parts[i]` and `parts[i + 1]` that the parser dropped (`\ ` in
 * `a[\ ]b`); see {@link wordValue}.
 */
export function joinedWordValue(
  parts: readonly Node[],
  gaps: readonly string[],
  vars: Readonly<Record<string, string>> = {},
  lists: ListVars = new Map(),
): WordValue {
  const out = new Builder(vars, lists);
  parts.forEach((part, i) => {
    if (i > 0) addUnquoted(gaps[i - 1] ?? '', out);
    build(part, out);
  });
  const word: WordValue = {
    value: out.value,
    literal: out.literal,
    // A bracket expression with quoting inside (`[t\]]`, `[t']']`) is one set to bash, but its
    // quote-removed value reads as another: judged as only known at run time.
    expanded:
      out.expanded ||
      (!out.literal &&
        quotedInBracket(parts.map((p, i) => (i > 0 ? (gaps[i - 1] ?? '') : '') + p.text).join(''))),
    prefix: out.prefix,
  };
  if (out.alternatives) {
    // Brace expansion around a list variable is not followed: only run time knows.
    if (!out.expanded && !BRACE.test(out.value)) word.alternatives = out.alternatives;
    else word.expanded = true;
  } else if (!out.expanded && BRACE.test(out.value)) {
    const alternatives = expandBraces(out.value);
    if (alternatives) {
      // bash expands braces first, then the tilde that starts each word they make (`{~/.ssh,x}`).
      word.alternatives = alternatives.map((a) => {
        const tilde = TILDE.exec(a);
        if (!tilde) return a;
        const tail = a.slice(tilde[0].length);
        const who = tilde[1] ?? '';
        const home = who === '' ? vars.HOME : /^[+-]\d*$/.test(who) ? undefined : userHome(who);
        if (home === undefined) word.expanded = true;
        return home === undefined ? a : home + tail;
      });
    } else word.expanded = true;
  }
  return word;
}
