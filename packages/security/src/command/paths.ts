// Forbidden paths: which words of a command line name files, what they resolve to (realpath, so
// symlinks and `..` are seen through; against every directory a `cd` may have moved to), and
// whether that lands on or under a forbidden path, compared component by component.
import { realpathSync } from 'node:fs';
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

// The path part of an argument: the value of `--opt=/x` or `if=/x`, the path glued to `-f/x`.
function pathPart(word: WordValue): WordValue | undefined {
  const v = word.value;
  const cut = v.startsWith('-') || /^[a-z]+=/.test(v) ? v.search(/[/~]/) : 0;
  if (cut < 0) return undefined;
  if (cut === 0) return word;
  return { value: v.slice(cut), literal: word.literal, prefix: word.prefix.slice(cut) };
}

/** The words of commands and redirections that may name files. */
export function pathRefs(commands: FoundCommand[], redirects: Redirect[]): PathRef[] {
  const refs: PathRef[] = [];
  for (const found of commands) {
    const { program, text } = found.command;
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
        (WRITE_LAST.has(program) && (word === operands[operands.length - 1] || i === target + 1));
      refs.push({ word: part, access: writes ? 'write' : 'read', text, recursive: rec });
    });
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

// realpath of what exists, then the rest applied component by component (`..` after a symlink
// goes up from the symlink's target, as the kernel does).
function resolveReal(path: string): string {
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

  /** The forbidden path `ref` reaches from any of `cwds`, or `undefined`. */
  hit(ref: PathRef, cwds: readonly string[]): string | undefined {
    const { word } = ref;
    const literal = word.literal;
    // A word that is not a literal is judged by its literal prefix: `/etc/sha*` or `/etc/$x` may
    // reach /etc/shadow. With no literal prefix nothing can be said (isolation still applies).
    const text = literal ? word.value : word.prefix;
    if (text === '') return undefined;
    const bases = text.startsWith('/') ? [''] : cwds;
    for (const base of bases) {
      const joined = base === '' ? text : `${base}/${text}`;
      if (literal) {
        const real = resolveReal(joined);
        const f = this.forbidden.find((f) => within(real, f.real) || (ref.recursive && within(f.real, real)));
        if (f) return f.configured;
        continue;
      }
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
    if (cd === '-') continue;
    const target = cd === '~' || cd.startsWith('~/') ? home + cd.slice(1) : cd;
    const next = target.startsWith('/')
      ? [resolveReal(target)]
      : cwds.map((c) => resolveReal(`${c}/${target}`));
    for (const n of next) if (!cwds.includes(n)) cwds.push(n);
  }
  return cwds;
}
