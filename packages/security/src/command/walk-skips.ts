// What a recursive walk provably skips, so that `grep -rn x --exclude-dir=secret .` at a root that
// holds the forbidden `secret/` is not refused: grep's `--exclude-dir=GLOB` (a directory's base
// name at any depth), rg's `-g '!GLOB'`/`--iglob` (a base name; a later positive glob could undo it,
// so then it does not count), git grep's exclude pathspecs (`':!secret'`, `':^x'`,
// `':(exclude)x'`, relative to the cwd) and find's `TESTS -prune -o …` at the head of the
// expression. Only plain patterns count (letters, `*`, `?`): anything the program might read
// differently from this matcher (brackets, braces, extglob, escapes) is not a skip, so the walk is
// judged as before (refused).
import { statSync } from 'node:fs';
import { spend } from './budget';
import type { Walked } from './option-walk';
import { components } from './path-guard';
import { resolvePath } from './real-paths';
import type { WordValue } from './words';

/** One thing a walk skips: every given field must match an entry for it to be skipped. */
export interface WalkSkip {
  /** A base-name glob (`secret`, `sec*`). */
  name?: string;
  /** A glob over the path as find prints it (`./secret`); `*` crosses `/`. */
  path?: string;
  /** Match case-insensitively (`--iglob`, `-iname`, `-ipath`). */
  fold?: boolean;
  /** Only directories are skipped (`--exclude-dir`, `-type d`, rg's `secret/`). */
  dirOnly?: boolean;
  /** A path relative to the cwd (or `base`) that is skipped with all below it (git's `:!x`). */
  under?: string;
  /** The directory `under` is relative to instead of the cwd (`git -C dir`). */
  base?: string;
}

const PLAIN = /^[^[\]{}()\\@!+|]*$/;

/** A glob as a whole-string RegExp, or `undefined` when it uses more than `*` and `?`. */
function plainGlob(glob: string, fold: boolean): RegExp | undefined {
  if (glob === '' || !PLAIN.test(glob)) return undefined;
  const source = glob.replace(/[.^$+*?()[\]{}|\\/]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${source}$`, fold ? 'is' : 's');
}

/** A skip, when its patterns are plain enough to be matched here; `undefined` otherwise. */
export function plainSkip(skip: WalkSkip): WalkSkip | undefined {
  if (skip.name !== undefined && (skip.name.includes('/') || !plainGlob(skip.name, false))) return undefined;
  if (skip.path !== undefined && !plainGlob(skip.path, false)) return undefined;
  if (skip.under !== undefined && !PLAIN.test(skip.under.replace(/[*?]/g, '['))) return undefined;
  return skip;
}

// The leaf may not exist now (nothing to read yet) or be a directory; a file is not skipped by a
// directory-only exclusion.
function directoryOrMissing(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true;
  }
}

/**
 * True when a walk started at `written` (resolved: `start`) from `cwd` never reaches `target`,
 * a path strictly below `start`, because some entry on the way there is skipped.
 */
export function skipsTarget(
  skips: readonly WalkSkip[],
  written: string,
  start: string,
  target: string,
  cwd: string,
): boolean {
  const rel = components(target).slice(components(start).length);
  spend(skips.length * (rel.length + 1), 'walk exclusions');
  return skips.some((skip) => {
    if (skip.under !== undefined) {
      const from =
        skip.base === undefined ? cwd : skip.base.startsWith('/') ? skip.base : `${cwd}/${skip.base}`;
      const excluded = resolvePath(`${from}/${skip.under}`).real;
      return target === excluded || target.startsWith(`${excluded}/`);
    }
    const name = skip.name === undefined ? undefined : plainGlob(skip.name, skip.fold ?? false);
    const path = skip.path === undefined ? undefined : plainGlob(skip.path, skip.fold ?? false);
    // find names an entry by its start as written, plus a `/` unless the start ends in one
    // (`.` → `./secret`, `./` → `./secret`, `.//` → `.//secret`).
    const head = written.endsWith('/') ? written : `${written}/`;
    return rel.some((part, k) => {
      if (skip.dirOnly && k === rel.length - 1 && !directoryOrMissing(target)) return false;
      if (name && !name.test(part)) return false;
      const printed = `${head}${rel.slice(0, k + 1).join('/')}`;
      if (path && !path.test(printed)) return false;
      return name !== undefined || path !== undefined;
    });
  });
}

// Literal option values of `names` (a run-time value could be anything, so it skips nothing).
function literalValues(walked: Walked, args: readonly WordValue[], names: readonly string[]) {
  return walked.options.flatMap((o) =>
    names.includes(o.name) && o.value !== undefined && o.valueAt && args[o.valueAt.index]?.literal
      ? [{ name: o.name, value: o.value }]
      : [],
  );
}

/** grep's `--exclude-dir=GLOB`: directories whose base name matches, at every depth. */
export function grepSkips(walked: Walked, args: readonly WordValue[]): WalkSkip[] {
  return literalValues(walked, args, ['exclude-dir']).flatMap(
    (v) => plainSkip({ name: v.value, dirOnly: true }) ?? [],
  );
}

/**
 * rg's `-g '!GLOB'`, `--glob`, `--iglob` with a base-name glob (a trailing `/`: directories only).
 * rg lets the last matching glob win, so an exclusion followed by any positive glob is not counted.
 */
export function rgSkips(walked: Walked, args: readonly WordValue[]): WalkSkip[] {
  const globs = literalValues(walked, args, ['g', 'glob', 'iglob']);
  const foldAll = walked.options.some((o) => o.name === 'glob-case-insensitive');
  const skips: WalkSkip[] = [];
  globs.forEach((g, i) => {
    if (!g.value.startsWith('!') || globs.slice(i + 1).some((later) => !later.value.startsWith('!'))) return;
    const dirOnly = g.value.endsWith('/');
    const name = g.value.slice(1).replace(/\/$/, '');
    const skip = plainSkip({ name, dirOnly, fold: foldAll || g.name === 'iglob' });
    if (skip) skips.push(skip);
  });
  return skips;
}
