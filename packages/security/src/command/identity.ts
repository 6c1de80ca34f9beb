// Which program a command really runs, and from where. An allow rule names a program (`cat`);
// `./cat` or `/tmp/x/cat` is whatever file has that name there — `cp /usr/bin/curl ./cat` makes
// `./cat` curl — so a program given by path only counts as the allowed name when the path resolves
// into the system's program directories (or the rule itself names that path). Code that runs
// later (a function body, an alias, a trap) runs in whatever directory the shell is in by then,
// so its relative paths are judged from every directory.
import { globMatch, hasGlob } from './globs';
import { resolveReal } from './real-paths';
import type { Construct } from './scan';
import type { WordValue } from './words';

/** Directories whose programs an allow rule's bare name stands for. */
export const SYSTEM_PROGRAM_DIRS: readonly string[] = [
  '/usr/bin',
  '/bin',
  '/usr/sbin',
  '/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/libexec',
  '/usr/lib/git-core',
];

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Whether `programPath` (as written, with a `/`) resolves into {@link SYSTEM_PROGRAM_DIRS} from
 * every directory in `cwds`; `undefined` cwds (a `cd` to an unknown place) trust only absolute paths.
 */
export function isSystemProgram(programPath: string, cwds: readonly string[] | undefined): boolean {
  const absolute = programPath.startsWith('/');
  if (!absolute && cwds === undefined) return false;
  const candidates = absolute ? [programPath] : (cwds ?? []).map((c) => `${c}/${programPath}`);
  const dirs = SYSTEM_PROGRAM_DIRS.map((d) => resolveReal(d));
  return candidates.every((p) => {
    const real = resolveReal(p);
    return dirs.some((d) => under(real, d));
  });
}

function components(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Whether the relative `path`, taken from some directory, can reach `forbidden` (a real absolute
 * path): its leading components equal (or glob-match) the forbidden path's trailing ones, or, when
 * the command descends into directories, any run of them. `..` may reach anything.
 */
export function reachableFromSomewhere(path: string, forbidden: string, recursive: boolean): boolean {
  const mine = components(path);
  if (mine.includes('..')) return true;
  if (mine.length === 0) return recursive;
  const theirs = components(forbidden);
  const match = (a: string, b: string) => (hasGlob(a) ? globMatch(a, b) : a === b);
  for (let start = 0; start < theirs.length; start++) {
    const run = theirs.slice(start);
    const n = Math.min(run.length, mine.length);
    // Every forbidden component from `start` on is matched, or (recursive) the path ends inside.
    const prefix = mine.slice(0, n).every((c, i) => match(c, run[i] as string));
    if (prefix && (n === run.length || recursive)) return true;
  }
  return false;
}

/** A relative path word in code that runs later, and whether it can reach a forbidden path. */
export function deferredPathDenial(
  word: WordValue,
  text: string,
  recursive: boolean,
  forbidden: readonly { configured: string; real: string }[],
): Construct | undefined {
  const shown = word.expanded ? word.prefix : word.value;
  if (shown.startsWith('/') || word.value === '') return undefined;
  for (const alternative of word.expanded ? [word.prefix] : (word.alternatives ?? [word.value])) {
    // A run-time part may add components of its own: the literal prefix, then anything.
    const rec = recursive || word.expanded;
    const hit = forbidden.find((f) => reachableFromSomewhere(alternative, f.real, rec));
    if (hit)
      return {
        rule: `forbidden-path:${hit.configured}`,
        reason: `'${text.slice(0, 80)}' is in a function, alias or trap, which runs in whatever directory the shell is in when it is used; from there '${word.value}' can reach the forbidden path ${hit.configured}; use an absolute path`,
      };
  }
  return undefined;
}
