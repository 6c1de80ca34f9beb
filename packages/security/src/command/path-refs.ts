// Which words of a command line name files, and whether the command reads or writes them: per
// program where its arguments are modelled (file-args.ts, with the directory a program walks when
// given none), otherwise every argument that may be a path (`--opt=x`, `if=/x`, `-f/x` included),
// plus `ln -s` targets as seen from the link, and redirection targets. Whether a reference lands on
// a forbidden path is path-guard.ts's to decide.
import { type FileArgs, fileArgs } from './file-args';
import { linkArgs } from './line-links';
import type { FoundCommand, Redirect } from './scan';
import type { WalkSkip } from './walk-skips';
import { literalWord, type WordValue } from './words';

/** A word that may name a file, and whether the command writes or reads it. */
export interface PathRef {
  word: WordValue;
  access: 'read' | 'write';
  /** The command or redirection it came from. */
  text: string;
  /** The command descends into directories, so a forbidden path's ancestor counts too. */
  recursive: boolean;
  /** How many levels a recursive command descends (`find -maxdepth`); unbounded when absent. */
  depth?: number;
  /** The walk reads names and metadata only, never contents (file-args.ts). */
  namesOnly?: boolean;
  /** What the walk provably skips below its start (walk-skips.ts). */
  skips?: readonly WalkSkip[];
}

/** Programs whose arguments never name files they open: their arguments are not path-checked. */
export const PATHLESS_PROGRAMS: ReadonlySet<string> = new Set([
  'echo',
  'printf',
  'true',
  'false',
  ':',
  'test',
  '[',
  'exit',
  'return',
  'shift',
  'sleep',
  'seq',
  'expr',
  'basename',
  'dirname',
  'kill',
  'wait',
  'type',
  'which',
  'let',
  'unset',
  'export',
  'declare',
  'typeset',
  'local',
  'readonly',
]);

const WRITE_LAST = new Set(['cp', 'mv', 'ln', 'install', 'rsync', 'scp']);
const RECURSIVE_PROGRAMS = new Set(['tar', 'zip', 'rsync', 'du', 'tree', 'rg']);
const WRITE_OPS = new Set(['>', '>>', '&>', '&>>', '>|', '<>', '>&']);

function recursive(found: FoundCommand): boolean {
  if (RECURSIVE_PROGRAMS.has(found.command.program)) return true;
  const archive = found.command.program === 'cp' ? 'a' : '';
  // A long option may be abbreviated (`cp --rec`, `--arch`): any start of these counts.
  const long = (a: string) =>
    a.length >= 4 && ['--recursive', '--archive'].some((name) => name.startsWith(a));
  return found.command.argv.some((a) => long(a) || new RegExp(`^-[A-Za-z]*[rR${archive}][A-Za-z]*$`).test(a));
}

function sliceWord(word: WordValue, cut: number): WordValue {
  if (cut === 0) return word;
  const alternatives = word.alternatives?.map((a) => a.slice(cut));
  return { ...word, value: word.value.slice(cut), prefix: word.prefix.slice(cut), alternatives };
}

function rebase(word: WordValue, base: string | undefined): WordValue {
  if (base === undefined || word.value.startsWith('/')) return word;
  const alternatives = word.alternatives?.map((a) => (a.startsWith('/') ? a : `${base}/${a}`));
  return { ...word, value: `${base}/${word.value}`, prefix: `${base}/${word.prefix}`, alternatives };
}

// A pathspec's own glob characters match across `/`: it is judged by the directory before them.
function pathspecDir(word: WordValue): WordValue {
  const glob = word.value.search(/[*?[]/);
  if (glob < 0) return word;
  const dir = word.value.slice(0, word.value.lastIndexOf('/', glob) + 1) || '.';
  return word.expanded ? word : literalWord(dir);
}

// Option words longer than this are not split into tails (each tail is a path check).
const MAX_OPTION_TAILS = 256;

// The parts of an argument that may name a file: the value of `--opt=x`; the word and its value
// for `name=x` (dd's `if=x`); and for `-…` every tail from its third character on, because a
// short option's value may be glued on after any letter of a cluster (`-osecret/key`, `-xCsecret`,
// `-C..`): which letter takes one is the program's to say.
function pathParts(word: WordValue): WordValue[] {
  const v = word.value;
  const long = /^--[^=]+=/.exec(v)?.[0].length;
  if (long !== undefined) return long < v.length ? [sliceWord(word, long)] : [];
  if (v.startsWith('--')) return [];
  if (v.startsWith('-')) {
    if (v.length > MAX_OPTION_TAILS) return [{ ...word, literal: false, expanded: true, prefix: '' }];
    return Array.from({ length: Math.max(0, v.length - 2) }, (_, k) => sliceWord(word, k + 2));
  }
  const named = /^[^=/]+=/.exec(v)?.[0].length;
  return named === undefined || named === v.length ? [word] : [word, sliceWord(word, named)];
}

// `file:` URLs name local files to the programs that fetch them (curl, git, wget, Python's urllib):
// `file:///p`, `file://localhost/p`, `file:/p`, any case, percent-encoded, `?…`/`#…` cut off.
const FILE_URL = /^file:(\/\/[^/?#]*)?([^?#]*)/i;

function fileUrlPath(text: string): string | undefined {
  const path = FILE_URL.exec(text)?.[2];
  if (path === undefined) return undefined;
  try {
    return decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: the fetcher may read it some other way.
    return undefined;
  }
}

// The file a `file:` URL argument (or an option's `=file:` value) names, judged as a path.
function fileUrls(word: WordValue): WordValue[] {
  const eq = word.value.indexOf('=');
  const starts = eq >= 0 ? [0, eq + 1] : [0];
  const found: WordValue[] = [];
  for (const start of starts) {
    const url = sliceWord(word, start);
    if (!/^file:/i.test(url.value)) continue;
    const value = fileUrlPath(url.value);
    const alternatives = url.alternatives?.map((a) => fileUrlPath(a) ?? a);
    // A URL that cannot be decoded, or is only partly literal, is only known at run time; so is
    // one with `[…]` or `{…}`, which curl expands itself (`file:///…/secre[t-t]/key`).
    if (value === undefined || !url.literal || /[[\]{}]/.test(url.value))
      found.push({ ...url, literal: false, expanded: true, prefix: '' });
    else found.push({ ...url, value, prefix: value, alternatives });
  }
  return found;
}

// A file named by `@file` or `<file` (`curl -d @f`, `--data=@f`, `-F x=@f`, `-F 'x=<f'`): the
// program reads it, so the part after the `@`/`<` is judged as a path too.
function atFiles(word: WordValue): WordValue[] {
  const cuts: number[] = [];
  if (/^[@<]/.test(word.value)) cuts.push(1);
  for (const m of word.value.matchAll(/=[@<]/g)) cuts.push((m.index ?? 0) + 2);
  return cuts.filter((c) => c < word.value.length).map((c) => sliceWord(word, c));
}

// `ln -s TARGET LINK` / `cp -s`: a relative TARGET is resolved from the link's directory, and a
// link to an ancestor of a forbidden path opens it up, so targets are judged recursively.
function linkRefs(found: FoundCommand): PathRef[] {
  const { program, argv, text } = found.command;
  const symbolic = argv.some((a) => a === '--symbolic' || a === '--symbolic-link' || /^-[A-Za-z]*s/.test(a));
  if (!(program === 'ln' || program === 'link' || (program === 'cp' && symbolic))) return [];
  const args = found.words.slice(1);
  const { operands: at, into } = linkArgs(args.map((w) => w.value));
  const operands = at.map((i) => args[i] as WordValue);
  // `ln -s T` makes ./<name of T>; `-t DIR` takes every operand as a target.
  const single = into === undefined && operands.length === 1;
  const targets = into === undefined && !single ? operands.slice(0, -1) : operands;
  // A `-t` value is taken as written; with any non-literal argument it may not be.
  const link =
    into !== undefined
      ? { ...literalWord(into), literal: args.every((w) => w.literal) }
      : single
        ? literalWord('.')
        : operands[operands.length - 1];
  const refs: PathRef[] = [];
  for (const target of targets) {
    refs.push({ word: target, access: 'read', text, recursive: true });
    if (!target.literal || target.value.startsWith('/')) continue;
    // A relative target resolves from the link's directory: where a glob, brace or run-time link
    // operand puts it is only known at run time (`ln -s ../home $R/X*`).
    if (!link?.literal) {
      const value = `${link?.value ?? ''}/../${target.value}`;
      refs.push({
        word: { value, literal: false, prefix: '', expanded: true },
        access: 'read',
        text,
        recursive: true,
      });
      continue;
    }
    const dir = link.value.includes('/') ? link.value.slice(0, link.value.lastIndexOf('/')) : '.';
    for (const base of [dir, link.value]) {
      const value = `${base}/${target.value}`;
      refs.push({ word: { ...target, value, prefix: value }, access: 'read', text, recursive: true });
    }
  }
  return refs;
}

// The refs of a program whose arguments are modelled: its file words and, when it is given no
// start operand (or only globs, which nullglob may drop), the directory it works on by default.
function modelledRefs(args: WordValue[], known: FileArgs, text: string): PathRef[] {
  const refs: PathRef[] = [];
  const walk = {
    text,
    recursive: known.recursive,
    ...(known.maxDepth === undefined ? {} : { depth: known.maxDepth }),
    ...(known.namesOnly ? { namesOnly: true } : {}),
    ...(known.skips?.length ? { skips: known.skips } : {}),
  };
  for (const p of known.paths) {
    const word = args[p.index];
    if (!word) continue;
    const sliced = sliceWord(word, p.offset);
    const spec = p.pathspec ? pathspecDir(sliced) : sliced;
    refs.push({ word: rebase(spec, p.base), access: p.write ? 'write' : 'read', ...walk });
  }
  for (const n of known.named ?? [])
    refs.push({ word: n.word, access: n.write ? 'write' : 'read', text, recursive: false });
  const starts = known.paths.filter((p) => p.operand).map((p) => args[p.index]);
  const droppable = starts.every((w) => w && !w.literal && !w.expanded && !w.alternatives);
  const implicit = known.implicit;
  if (implicit && (implicit.always || droppable))
    refs.push({ word: rebase(literalWord(implicit.path), implicit.base), access: 'read', ...walk });
  return refs;
}

// A command name with a `/` is a file bash opens and runs (`~/.ssh/x`, `/root/run.sh`,
// `../bin/tool`), so it is judged like an argument that names a file; a bare name is looked up in
// PATH, which the assignment rules protect. An alias's value is also text that can land after
// another alias whose value ends in a blank (`alias c='cat ' k='~/.ssh/key'`, then `c k`), where
// its command name is an argument: so the command names in an alias's code that may name a file
// (a `/`, a `~`, a run-time part) are judged as paths read by a command that may walk directories.
// Defining such a first alias is refused (alias-words.ts), but one may come from the shell's
// startup files (`alias xargs='xargs '`); and `alias k=/root/key` was refused already (as
// `alias`'s argument) while `k='~/…'`, `k='$HOME/…'` or `k='/ro""ot/…'` were not. A bare name
// (`alias g='gh pr list'`) is looked up in PATH where it runs as a command, so it is not judged.
function programRefs(found: FoundCommand): PathRef[] {
  const name = found.words[0];
  if (!name) return [];
  const text = found.command.text;
  if (found.command.via?.some((v) => v.program === 'alias')) {
    const fileLike = !name.literal || name.value.includes('/') || name.value.startsWith('~');
    return fileLike ? [{ word: name, access: 'read', text, recursive: true }] : [];
  }
  const shown = name.expanded ? name.prefix : name.value;
  return shown.includes('/') ? [{ word: name, access: 'read', text, recursive: false }] : [];
}

/** The words of commands and redirections that may name files. */
export function pathRefs(commands: FoundCommand[], redirects: Redirect[]): PathRef[] {
  const refs: PathRef[] = [];
  for (const found of commands) {
    const { program, text } = found.command;
    refs.push(...programRefs(found));
    if (PATHLESS_PROGRAMS.has(program)) continue;
    const args = found.words.slice(1);
    for (const word of args)
      for (const url of fileUrls(word)) refs.push({ word: url, access: 'read', text, recursive: false });
    const known = fileArgs(program, args);
    if (known) {
      refs.push(...modelledRefs(args, known, text));
      continue;
    }
    const rec = recursive(found);
    const operands = args.filter((w) => !w.value.startsWith('-'));
    const target = args.findIndex(
      (w, i) => w.value === '-t' || (i > 0 && args[i - 1]?.value === '--target-directory'),
    );
    args.forEach((word, i) => {
      const writes =
        program === 'tee' ||
        (program === 'dd' && word.value.startsWith('of=')) ||
        (program === 'uniq' && word === operands[1]) ||
        (WRITE_LAST.has(program) && (word === operands[operands.length - 1] || i === target + 1));
      for (const part of pathParts(word))
        refs.push({ word: part, access: writes ? 'write' : 'read', text, recursive: rec });
      for (const file of atFiles(word)) refs.push({ word: file, access: 'read', text, recursive: rec });
    });
    refs.push(...linkRefs(found));
  }
  for (const r of redirects) {
    // `>&2`, `<&0`, `>&-`: descriptor duplication, not a file.
    if ((r.op === '>&' || r.op === '<&') && /^(\d+|-)$/.test(r.target.value)) continue;
    refs.push({
      word: r.target,
      access: WRITE_OPS.has(r.op) ? 'write' : 'read',
      text: r.text,
      recursive: false,
    });
  }
  return refs;
}
