// Where a path leads on disk: symlinks and `..` seen through as the kernel does, component by
// component, and every directory a command line may be in after its `cd`s. Inside /proc/<pid>,
// /proc/self and /proc/thread-self nothing is followed: those links lead where the *checked* shell
// is (its cwd, root, open files), and following them here would resolve the checker's own process;
// a walk through /proc/*/cwd|root|map_files, or on through an /proc/*/fd/N, is reported instead.
// Resolving costs system calls, so it spends the work budget (budget.ts).
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { spend } from './budget';

/** Budget steps of resolving one path (realpath system calls) against a tree node's one step. */
export const PATH_RESOLVE_STEPS = 20;

/** A path resolved: where it leads, and whether it goes through a process's links in /proc. */
export interface Resolved {
  real: string;
  /** The walk reaches /proc/<pid>/cwd|root|map_files, another process's fd, or goes on through an fd. */
  procLink: boolean;
}

// The kernel gives up after 40 symlinks (ELOOP); so does the walk, keeping the rest as written.
const MAX_LINKS = 40;
const PROCESS = /^(self|thread-self|\d+)$/;

// Where `done` (components of the resolved prefix) is inside a process's /proc directory: the
// process part's length (2 for /proc/<pid>, 4 for /proc/<pid>/task/<tid>), or 0.
function processDepth(done: readonly string[]): number {
  if (done[0] !== 'proc' || done.length < 2 || !PROCESS.test(done[1] as string)) return 0;
  return done[2] === 'task' && done.length >= 4 ? 4 : 2;
}

function kind(path: string): 'link' | 'other' | 'missing' {
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st === undefined ? 'missing' : st.isSymbolicLink() ? 'link' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Where `path` leads: symlinks followed component by component (`..` after a symlink goes up from
 * its target, as the kernel does), what does not exist applied lexically, and nothing followed
 * inside a process's /proc directory (see the module header).
 */
export function resolvePath(path: string): Resolved {
  const pending = path.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  // Below this many components the prefix is known to exist; at or above, it is missing.
  let missingFrom = Number.POSITIVE_INFINITY;
  const joined = () => `/${done.join('/')}`;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      if (done.length < missingFrom) missingFrom = Number.POSITIVE_INFINITY;
      continue;
    }
    const depth = processDepth(done);
    const inProcess = depth > 0 || (done.length === 1 && done[0] === 'proc' && PROCESS.test(part));
    if (inProcess) {
      // Anything after the fd, a trailing `/` too, walks on through the file it is open on.
      const rest = pending.length > 0;
      const here = done.slice(depth);
      if (depth > 0 && here.length === 0 && /^(cwd|root|map_files)$/.test(part))
        return { real: `${joined()}/${[part, ...pending.reverse()].join('/')}`, procLink: true };
      if (depth > 0 && here.length === 1 && here[0] === 'fd') {
        const own = done[1] === 'self' || done[1] === 'thread-self';
        if (!own || rest)
          return { real: `${joined()}/${[part, ...pending.reverse()].join('/')}`, procLink: true };
      }
      done.push(part);
      continue;
    }
    done.push(part);
    if (done.length > missingFrom) continue;
    const here = joined();
    // One system call per component: a path of thousands of components is thousands of calls.
    spend(1, 'resolving paths');
    const k = kind(here);
    if (k === 'missing') missingFrom = done.length;
    if (k !== 'link') continue;
    if (++links > MAX_LINKS) {
      missingFrom = done.length;
      continue;
    }
    let target: string;
    try {
      target = readlinkSync(here);
    } catch {
      continue;
    }
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    pending.push(...target.split('/').reverse());
  }
  return { real: joined(), procLink: false };
}

/** Where `path` leads on disk (see resolvePath). */
export function resolveReal(path: string): string {
  return resolvePath(path).real;
}

/** `path` with `.`, empty components and `..` removed textually, as bash's `cd` (without -P) does. */
export function logicalPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** Directories a line may be in; `uncertain` names a `cd` target that did not exist at check time. */
export type Cwds = string[] & { uncertain?: string };

/**
 * Every directory the command line may be in: the start, and each `cd` target from each of those.
 * bash's `cd` removes `..` textually from the logical directory (`cd /bin/..` is `/`, even though
 * /bin is a symlink to /usr/bin), `cd -P` and a failed logical lookup go the physical way; both are
 * kept. A target that exists from none of the directories is kept as written but marked
 * `uncertain`: with `cdspell` or `cdable_vars` set by an earlier command it may go elsewhere (only
 * when the start directory exists, i.e. the check sees the terminal's file system).
 */
export function candidateCwds(
  start: string,
  cds: ReadonlyArray<string | undefined>,
  home: string,
): Cwds | undefined {
  let uncertain: string | undefined;
  const startExists = isDirectory(start);
  // Logical directories (what $PWD says); the physical one of each is what relative paths use.
  const logical = [...new Set([logicalPath(start), resolveReal(start)])];
  const seen = new Set(logical);
  for (const cd of cds) {
    if (cd === undefined) return undefined;
    const target = cd === '~' || cd.startsWith('~/') ? home + cd.slice(1) : cd;
    // Any `cd` may fail, so each one applies to every directory so far: 3^n for n relative cds.
    spend(
      PATH_RESOLVE_STEPS * 2 * (target.startsWith('/') ? 1 : logical.length),
      'directories a cd may lead to',
    );
    const bases = target.startsWith('/') ? [''] : [...logical];
    let found = false;
    for (const base of bases) {
      const joined = base === '' ? target : `${base}/${target}`;
      const physical = resolvePath(joined);
      // A directory behind a process's /proc links is wherever that process is.
      if (physical.procLink) return undefined;
      for (const next of [logicalPath(joined), physical.real]) {
        // `cd` alone and `cd ~` go home even where the check's home does not exist.
        if (cd === '~' || isDirectory(next)) found = true;
        if (!seen.has(next)) {
          seen.add(next);
          logical.push(next);
        }
      }
    }
    // Whether a directory exists tells something only where the check sees the terminal's files.
    if (!found && startExists) uncertain ??= cd;
  }
  const cwds: Cwds = [...new Set(logical.map(resolveReal))];
  if (uncertain !== undefined) cwds.uncertain = uncertain;
  return cwds;
}
