// Forbidden paths: which words of a command line name files, what they resolve to (realpath, so
// symlinks and `..` are seen through; against every directory a `cd` may have moved to; brace
// alternatives and glob matches each on their own), and whether that lands on or under a
// forbidden path, compared component by component. `/proc/<pid>/root|cwd|fd` lead wherever that
// process is, which only the terminal knows, so they are refused outright.
import { realpathSync } from 'node:fs';
import { expandGlob, hasGlob } from './globs';
import type { FoundCommand, Redirect } from './scanner';
import type { WordValue } from './words';

/** A word that may name a file, and whether the command writes or reads it. */
export interface PathRef {
  word: WordValue;
  access: 'read' | 'write';
  /** The command or redirection it came from. */
  text: string;
  /** The command descends into directories, so a forbidden path's ancestor counts too. */
  recursive: boolean;
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
  return found.command.argv.some(
    (a) =>
      a === '--recursive' || a === '--archive' || new RegExp(`^-[A-Za-z]*[rR${archive}][A-Za-z]*$`).test(a),
  );
}

// The path part of an argument: the value of `--opt=x` or `if=/x`, the path glued to `-f/x`.
function pathPart(word: WordValue): WordValue | undefined {
  const v = word.value;
  const long = /^--[^=]+=/.exec(v)?.[0].length;
  const cut = long ?? (v.startsWith('-') || /^[a-z]+=/.test(v) ? v.search(/[/~]/) : 0);
  if (cut < 0) return undefined;
  if (cut === 0) return word;
  const alternatives = word.alternatives?.map((a) => a.slice(cut));
  return { ...word, value: v.slice(cut), prefix: word.prefix.slice(cut), alternatives };
}

// `ln -s TARGET LINK` / `cp -s`: a relative TARGET is resolved from the link's directory, and a
// link to an ancestor of a forbidden path opens it up, so targets are judged recursively.
function linkRefs(found: FoundCommand, operands: WordValue[]): PathRef[] {
  const { program, argv, text } = found.command;
  const symbolic = argv.some((a) => a === '--symbolic' || a === '--symbolic-link' || /^-[A-Za-z]*s/.test(a));
  if (!(program === 'ln' || program === 'link' || (program === 'cp' && symbolic))) return [];
  const link = operands[operands.length - 1];
  const refs: PathRef[] = [];
  for (const target of operands.slice(0, -1)) {
    refs.push({ word: target, access: 'read', text, recursive: true });
    if (!link?.literal || !target.literal || target.value.startsWith('/')) continue;
    const dir = link.value.includes('/') ? link.value.slice(0, link.value.lastIndexOf('/')) : '.';
    for (const base of [dir, link.value]) {
      const value = `${base}/${target.value}`;
      refs.push({ word: { ...target, value, prefix: value }, access: 'read', text, recursive: true });
    }
  }
  return refs;
}

/** The words of commands and redirections that may name files. */
export function pathRefs(commands: FoundCommand[], redirects: Redirect[]): PathRef[] {
  const refs: PathRef[] = [];
  for (const found of commands) {
    const { program, text } = found.command;
    if (PATHLESS_PROGRAMS.has(program)) continue;
    const args = found.words.slice(1);
    const rec = recursive(found);
    const operands = args.filter((w) => !w.value.startsWith('-'));
    const target = args.findIndex(
      (w, i) => w.value === '-t' || (i > 0 && args[i - 1]?.value === '--target-directory'),
    );
    args.forEach((word, i) => {
      const part = pathPart(word);
      if (!part) return;
      const writes =
        program === 'tee' ||
        (program === 'dd' && word.value.startsWith('of=')) ||
        (program === 'uniq' && word === operands[1]) ||
        (WRITE_LAST.has(program) && (word === operands[operands.length - 1] || i === target + 1));
      refs.push({ word: part, access: writes ? 'write' : 'read', text, recursive: rec });
    });
    refs.push(...linkRefs(found, operands));
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

/**
 * realpath of what exists of `path`, then the rest applied component by component (`..` after a
 * symlink goes up from the symlink's target, as the kernel does).
 */
export function resolveReal(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return path;
    const parent = slash === 0 ? '/' : resolveReal(path.slice(0, slash));
    const last = path.slice(slash + 1);
    if (last === '' || last === '.') return parent;
    if (last === '..') return parent.slice(0, parent.lastIndexOf('/')) || '/';
    return parent === '/' ? `/${last}` : `${parent}/${last}`;
  }
}

function within(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

// `/proc/<pid>/root`, `/cwd`, `/map_files` and other processes' `/fd`, lexically (the checker's
// own /proc would resolve them for the wrong process).
const PROC_LINK =
  /^\/proc\/[^/]+\/(task\/[^/]+\/)?(root|cwd|map_files)(\/|$)|^\/proc\/(?!self\/|thread-self\/)[^/]+\/(task\/[^/]+\/)?fd\//;

function lexical(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Forbidden paths resolved for one home directory, checked against path references. */
export class PathGuard {
  private readonly forbidden: { configured: string; real: string }[];

  constructor(forbiddenPaths: readonly string[], home: string) {
    this.forbidden = forbiddenPaths.map((configured) => {
      const absolute =
        configured === '~' || configured.startsWith('~/') ? home + configured.slice(1) : configured;
      return { configured, real: resolveReal(absolute) };
    });
  }

  /** True when there is nothing to guard. */
  get empty(): boolean {
    return this.forbidden.length === 0;
  }

  /**
   * The forbidden path `ref` reaches from any of `cwds`, `'unknown'` when a glob matches too much
   * to check, or `undefined`.
   */
  hit(ref: PathRef, cwds: readonly string[]): string | undefined {
    const { word } = ref;
    if (word.expanded) return this.prefixHit(word.prefix, cwds);
    for (const text of word.alternatives ?? [word.value]) {
      if (text === '') continue;
      for (const base of text.startsWith('/') ? [''] : cwds) {
        const joined = base === '' ? text : `${base}/${text}`;
        const matches = hasGlob(joined) && !word.literal ? expandGlob(joined) : [];
        if (matches === undefined) return 'unknown';
        for (const path of [joined, ...matches]) {
          const f = this.literalHit(path, ref.recursive);
          if (f) return f;
        }
      }
    }
    // A glob that matches nothing now may match by the time it runs.
    return word.literal ? undefined : this.prefixHit(word.prefix, cwds);
  }

  private literalHit(path: string, recursive: boolean): string | undefined {
    if (PROC_LINK.test(lexical(path))) return '/proc/<pid>/root|cwd|fd';
    const real = resolveReal(path);
    return this.forbidden.find((f) => within(real, f.real) || (recursive && within(f.real, real)))
      ?.configured;
  }

  // A word with a run-time part is judged by its literal prefix: `/etc/$x` may reach /etc/shadow.
  private prefixHit(text: string, cwds: readonly string[]): string | undefined {
    if (text === '') return undefined;
    for (const base of text.startsWith('/') ? [''] : cwds) {
      const joined = base === '' ? text : `${base}/${text}`;
      if (PROC_LINK.test(lexical(joined))) return '/proc/<pid>/root|cwd|fd';
      const slash = joined.lastIndexOf('/');
      const dir = resolveReal(joined.slice(0, slash) || '/');
      const stem = `${dir === '/' ? '' : dir}/${joined.slice(slash + 1)}`;
      const f = this.forbidden.find((f) => within(dir, f.real) || f.real.startsWith(stem));
      if (f) return f.configured;
    }
    return undefined;
  }
}

/** Every directory the command line may be in: the start, and each `cd` target from each of those. */
export function candidateCwds(
  start: string,
  cds: ReadonlyArray<string | undefined>,
  home: string,
): string[] | undefined {
  const cwds = [resolveReal(start)];
  for (const cd of cds) {
    if (cd === undefined) return undefined;
    const target = cd === '~' || cd.startsWith('~/') ? home + cd.slice(1) : cd;
    const next = target.startsWith('/')
      ? [resolveReal(target)]
      : cwds.map((c) => resolveReal(`${c}/${target}`));
    for (const n of next) if (!cwds.includes(n)) cwds.push(n);
  }
  return cwds;
}
