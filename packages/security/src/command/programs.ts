// How allowed programs read their own command line (issue 11): per program, which options take a
// value, where option parsing stops (python3 and node at the script, git at the subcommand and then
// at `--`), and the short and long spelling of one option. With this an allow rule's
// `deniedOptions` means the option however it is written (git grep's `-O` is its
// `--open-files-in-pager`) and never matches a script's own arguments (`python3 app.py -c x.yml`)
// or an option's value (`git log -S --output`). The forms in which these programs run code that is
// in no file are in code-forms.ts. Programs not listed keep rules.ts's word-by-word match.

import { type Grammar, type Option, walkOptions } from './option-walk';
import { GIT_SUBCOMMANDS, NODE_FLAGS, NODE_WITH_VALUE } from './program-tables';
import type { WordValue } from './words';

/** One way an invocation runs code the policy cannot judge. */
export interface CodeForm {
  /** `inline-code` (code given on the command line or stdin) or `runs-code` (a command run by an option). */
  rule: 'inline-code' | 'runs-code';
  /** Token sequences an allow rule names the form by (`['-c']`, `['-m', 'timeit']`). */
  names: string[][];
  /** What it does, for the reason (`'-c' runs code given on the command line`). */
  what: string;
}

/** Builds a form. */
export const form = (rule: CodeForm['rule'], names: string[][], what: string): CodeForm => ({
  rule,
  names,
  what,
});

/** A program's grammar and the long names of its short options. */
interface Spec {
  grammar: Grammar;
  /** Short letter (or long name) → the long name it is another spelling of. */
  aliases?: Readonly<Record<string, string>>;
}

/** The arguments of one invocation as its program parses them. */
export interface ParsedArgs {
  /** The program's family: `python`, `node`, `git`, `npm`. */
  family: string;
  /** Every option given, with the word index (into the arguments) that names it. */
  options: Option[];
  /** Spellings of one option, in both directions (`O` ↔ `open-files-in-pager`). */
  aliases: Readonly<Record<string, string>>;
  /** Word indexes that are operands (the script, the subcommand, files …). */
  operands: number[];
  /** Words from this index on are not parsed as options by the program. */
  optionsEnd: number;
  /** git: the subcommand and its word index. */
  sub?: { name: string; index: number };
}

const PYTHON: Spec = {
  grammar: { short: 'cmWX', long: ['check-hash-based-pycs'], posix: true, stops: ['c', 'm'] },
  aliases: { h: 'help', V: 'version' },
};

const node = (extra: readonly string[] = []): Spec => ({
  grammar: { short: 'eprC', long: [...NODE_WITH_VALUE, ...extra], posix: true },
  aliases: {
    e: 'eval',
    p: 'print',
    r: 'require',
    i: 'interactive',
    c: 'check',
    C: 'conditions',
    h: 'help',
    v: 'version',
    loader: 'experimental-loader',
    'report-dir': 'report-directory',
    'debug-port': 'inspect-port',
  },
});

const GIT_GLOBAL: Grammar = {
  short: 'Cc',
  long: ['git-dir', 'work-tree', 'namespace', 'super-prefix', 'config-env', 'list-cmds', 'attr-source'],
  posix: true,
};

// Only options git also takes with the value in the next word are listed: one listed wrongly would
// hide the next word (which may be an option) from the check.
const LOG_LIKE: Spec = {
  grammar: {
    short: 'nSGOIL',
    attached: 'UMCBl',
    long: ['max-count', 'skip', 'since', 'after', 'until', 'before', 'author', 'committer', 'grep', 'output'],
  },
  aliases: { p: 'patch', n: 'max-count' },
};
const GIT_SUBS: Readonly<Record<string, Spec>> = {
  log: LOG_LIKE,
  show: LOG_LIKE,
  diff: LOG_LIKE,
  whatchanged: LOG_LIKE,
  'format-patch': { ...LOG_LIKE, aliases: { o: 'output-directory' } },
  grep: {
    grammar: { short: 'efABCm', attached: 'O', long: ['max-depth', 'threads', 'context', 'max-count'] },
    aliases: { O: 'open-files-in-pager', e: 'regexp', f: 'file', m: 'max-count' },
  },
  branch: {
    grammar: { short: 'u', long: ['set-upstream-to', 'format', 'sort'] },
    aliases: { d: 'delete', m: 'move', c: 'copy', f: 'force', u: 'set-upstream-to', t: 'track', l: 'list' },
  },
  rebase: {
    grammar: { short: 'xsX', long: ['exec', 'onto', 'strategy', 'strategy-option'] },
    aliases: { x: 'exec', s: 'strategy', X: 'strategy-option', i: 'interactive' },
  },
  difftool: { grammar: { short: 'xt', long: ['extcmd', 'tool'] }, aliases: { x: 'extcmd', t: 'tool' } },
  clone: {
    grammar: { short: 'ocbu', long: ['origin', 'config', 'branch', 'upload-pack', 'template', 'depth'] },
    aliases: { u: 'upload-pack', c: 'config', o: 'origin', b: 'branch' },
  },
  archive: {
    grammar: { short: 'o', long: ['output', 'remote', 'exec', 'format', 'prefix'] },
    aliases: { o: 'output' },
  },
  config: {
    grammar: { short: 'f', long: ['file', 'blob', 'type', 'default', 'comment'] },
    aliases: { f: 'file', e: 'edit', l: 'list' },
  },
  commit: {
    grammar: { short: 'mFCct', long: ['message', 'file', 'author', 'date', 'trailer', 'template'] },
    aliases: { m: 'message', F: 'file', e: 'edit' },
  },
};
const GIT_DEFAULT: Spec = { grammar: { short: '', long: [] } };
// npm and its kin take their own options before `--`; after it, words go to the script.
const NPM: Spec = { grammar: { short: '', long: [] } };

const FAMILIES: Readonly<Record<string, string>> = {
  node: 'node',
  nodejs: 'node',
  git: 'git',
  npm: 'npm',
  pnpm: 'npm',
  yarn: 'npm',
};

/** The program family `program` belongs to (`python3.12` → `python`), or `undefined`. */
export function familyOf(program: string): string | undefined {
  if (/^python(\d+(\.\d+)?)?$/.test(program)) return 'python';
  return FAMILIES[program];
}

const literal = (value: string): WordValue => ({ value, literal: true, prefix: value, expanded: false });

// The first word not parsed as an option: after a stopping option's value, at the first operand
// (POSIX order) or at `--`.
function endOf(walk: ReturnType<typeof walkOptions>, grammar: Grammar, length: number, base = 0): number {
  let end = walk.end === undefined ? length : walk.end;
  if (grammar.posix && walk.operands[0] !== undefined) end = Math.min(end, walk.operands[0] + 1);
  for (const o of walk.options)
    if (grammar.stops?.includes(o.name)) end = Math.min(end, (o.valueAt?.index ?? o.index ?? 0) + 1);
  return end + base;
}

function single(family: string, spec: Spec, args: readonly WordValue[]): ParsedArgs {
  const walk = walkOptions(args, spec.grammar);
  return {
    family,
    options: walk.options,
    aliases: spec.aliases ?? {},
    operands: walk.operands,
    optionsEnd: endOf(walk, spec.grammar, args.length),
  };
}

function git(args: readonly WordValue[]): ParsedArgs {
  const global = walkOptions(args, GIT_GLOBAL);
  const at = global.operands[0];
  if (at === undefined)
    return { family: 'git', options: global.options, aliases: {}, operands: [], optionsEnd: args.length };
  const name = args[at]?.value ?? '';
  const spec = GIT_SUBS[name] ?? GIT_DEFAULT;
  const rest = args.slice(at + 1);
  const walk = walkOptions(rest, spec.grammar);
  const shift = (o: Option): Option => ({
    ...o,
    ...(o.index === undefined ? {} : { index: o.index + at + 1 }),
    ...(o.valueAt ? { valueAt: { ...o.valueAt, index: o.valueAt.index + at + 1 } } : {}),
  });
  return {
    family: 'git',
    options: [...global.options, ...walk.options.map(shift)],
    aliases: spec.aliases ?? {},
    operands: [at, ...walk.operands.map((i) => i + at + 1)],
    optionsEnd: endOf(walk, spec.grammar, rest.length, at + 1),
    sub: { name, index: at },
  };
}

/**
 * `args` (the words after the program name) as `program` parses them, or `undefined` for a
 * program without a grammar here. For node, long options it does not know are taken as flags;
 * {@link parseArgsAlternatives} also gives the reading where they take the next word.
 */
export function parseArgs(program: string, args: readonly (WordValue | string)[]): ParsedArgs | undefined {
  const words = args.map((a) => (typeof a === 'string' ? literal(a) : a));
  const family = familyOf(program);
  if (family === 'python') return single(family, PYTHON, words);
  if (family === 'node') return single(family, node(), words);
  if (family === 'git') return git(words);
  if (family === 'npm') return single(family, NPM, words);
  return undefined;
}

/**
 * Every reading of `args` the policy must consider: one, or for node with a long option this
 * table does not know (a newer node's, a V8 flag) also the reading where it takes the next word.
 */
export function parseArgsAlternatives(program: string, args: readonly WordValue[]): ParsedArgs[] {
  const first = parseArgs(program, args);
  if (!first) return [];
  if (first.family !== 'node') return [first];
  const unknown = first.options.filter(
    (o) =>
      o.name.length > 1 &&
      o.value === undefined &&
      !NODE_FLAGS.has(o.name) &&
      !NODE_WITH_VALUE.includes(o.name),
  );
  return unknown.length === 0 ? [first] : [first, single('node', node(unknown.map((o) => o.name)), args)];
}

/** Whether `name` is a git subcommand git itself provides (not an alias or a `git-<name>` program). */
export function isGitBuiltin(name: string): boolean {
  return GIT_SUBCOMMANDS.has(name);
}
