// Where a path leads on disk: realpath of what exists (symlinks and `..` seen through as the kernel
// does) and the rest applied component by component, and every directory a command line may be in
// after its `cd`s. Resolving costs system calls, so it spends the work budget (budget.ts).
import { realpathSync } from 'node:fs';
import { spend } from './budget';

/** Budget steps of resolving one path (realpath system calls) against a tree node's one step. */
export const PATH_RESOLVE_STEPS = 20;

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

/** Every directory the command line may be in: the start, and each `cd` target from each of those. */
export function candidateCwds(
  start: string,
  cds: ReadonlyArray<string | undefined>,
  home: string,
): string[] | undefined {
  const cwds = [resolveReal(start)];
  const seen = new Set(cwds);
  for (const cd of cds) {
    if (cd === undefined) return undefined;
    const target = cd === '~' || cd.startsWith('~/') ? home + cd.slice(1) : cd;
    // Any `cd` may fail, so each one applies to every directory so far: 2^n for n relative cds.
    spend(PATH_RESOLVE_STEPS * (target.startsWith('/') ? 1 : cwds.length), 'directories a cd may lead to');
    const next = target.startsWith('/')
      ? [resolveReal(target)]
      : cwds.map((c) => resolveReal(`${c}/${target}`));
    for (const n of next)
      if (!seen.has(n)) {
        seen.add(n);
        cwds.push(n);
      }
  }
  return cwds;
}
