// Forbidden paths: whether a path reference (path-refs.ts) lands on or under a forbidden path, or
// above one for a program that walks directories, compared component by component after resolving
// (real-paths.ts) against every directory a `cd` may have moved to; brace alternatives and glob
// matches each on their own, and a glob also by every path it could match once it exists.
// `/proc/<pid>/root|cwd|fd` lead wherever that process is, which only the terminal knows, so they
// are refused outright, also when symlinks or `..` lead there (`/dev/fd/../../self/cwd`, resolved
// without following /proc/self as the checker's own process). A literal path is judged both as the
// kernel walks it and with `..` removed textually, as tools that normalise paths do.
import { spend } from './budget';
import { expandGlob, globReaches, hasGlob } from './globs';
import type { PathRef } from './path-refs';
import { PATH_RESOLVE_STEPS, resolvePath, resolveReal } from './real-paths';
import { skipsTarget } from './walk-skips';

// A walk's operand as written and the directory it is relative to (find prints paths from it).
interface WalkStart {
  written: string;
  cwd: string;
}

function within(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

// `/proc/<pid>/root`, `/cwd`, `/map_files` and other processes' `/fd`, lexically (the checker's
// own /proc would resolve them for the wrong process).
const PROC_LINK =
  /^\/proc\/[^/]+\/(task\/[^/]+\/)?(root|cwd|map_files)(\/|$)|^\/proc\/(?!self\/|thread-self\/)[^/]+\/(task\/[^/]+\/)?fd\//;

/** Path components as the kernel walks them lexically: empty and `.` dropped, `..` goes up. */
export function components(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

function lexical(path: string): string {
  return `/${components(path).join('/')}`;
}

// A walk from `dir` descending `depth` levels lists what is inside `target` when `target` is
// within it less than `depth` levels down.
function walksInto(dir: string, target: string, depth = Number.POSITIVE_INFINITY): boolean {
  if (!within(target, dir)) return false;
  const below = components(target).length - components(dir).length;
  return below < depth;
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
      const pattern = !word.literal && hasGlob(text);
      for (const base of text.startsWith('/') ? [''] : cwds) {
        spend(PATH_RESOLVE_STEPS, 'paths × directories');
        const f = pattern
          ? this.globHit(base, text, ref)
          : this.literalHit(base ? `${base}/${text}` : text, ref, { written: text, cwd: base });
        if (f) return f;
      }
    }
    return undefined;
  }

  // A glob reaches a forbidden path through what it matches now (symlinks included) or through
  // any name it could match later: its components are matched against the forbidden path's.
  private globHit(base: string, text: string, ref: PathRef): string | undefined {
    const joined = base ? `${base}/${text}` : text;
    if (PROC_LINK.test(lexical(joined))) return '/proc/<pid>/root|cwd|fd';
    const parts = text.split('/');
    const firstGlob = parts.findIndex((p) => hasGlob(p));
    const headPath = resolvePath([base, ...parts.slice(0, firstGlob)].join('/') || '/');
    if (headPath.procLink) return '/proc/<pid>/root|cwd|fd';
    const head = headPath.real;
    const tail = parts.slice(firstGlob).join('/');
    const pattern = components(`${head}/${tail}`);
    // A program that reads no contents may list whatever a glob matches (`du -sh *`, `ls *`).
    if (ref.namesOnly) return undefined;
    const reached = this.forbidden.find(
      (f) =>
        globReaches(pattern, components(f.real), ref.recursive, ref.depth) && !this.pruned(ref, base, f.real),
    );
    if (reached) return reached.configured;
    const matches = expandGlob(`/${tail}`, head, { leavingOnly: true });
    if (matches === undefined) return 'unknown';
    spend(PATH_RESOLVE_STEPS * matches.length, 'paths a glob matches');
    for (const path of matches) {
      if (this.pruned(ref, base, path)) continue;
      const f = this.literalHit(path, ref);
      if (f) return f;
    }
    return undefined;
  }

  // A path find's `{}` stands for that lies in what find's walk prunes (find-exec.ts).
  private pruned(ref: PathRef, base: string, target: string): boolean {
    const walk = ref.word.walk;
    if (!walk) return false;
    const start = resolvePath(walk.start.startsWith('/') ? walk.start : `${base}/${walk.start}`).real;
    return (
      within(target, start) && target !== start && skipsTarget(walk.skips, walk.start, start, target, base)
    );
  }

  // A walk that reaches `target` below the operand only through entries it skips, or that reads
  // names only, does not read it (walk-skips.ts, file-args.ts).
  private walkSpares(ref: PathRef, real: string, target: string, start?: WalkStart): boolean {
    if (ref.namesOnly) return true;
    return (
      start !== undefined &&
      ref.skips !== undefined &&
      skipsTarget(ref.skips, start.written, real, target, start.cwd)
    );
  }

  private literalHit(path: string, ref: PathRef, start?: WalkStart): string | undefined {
    if (PROC_LINK.test(lexical(path))) return '/proc/<pid>/root|cwd|fd';
    const physical = resolvePath(path);
    if (physical.procLink) return '/proc/<pid>/root|cwd|fd';
    const reals = [physical.real];
    if (path.includes('..')) {
      const textual = resolvePath(lexical(path));
      if (textual.procLink) return '/proc/<pid>/root|cwd|fd';
      reals.push(textual.real);
    }
    return this.forbidden.find((f) =>
      reals.some(
        (real) =>
          within(real, f.real) ||
          (ref.recursive && walksInto(real, f.real, ref.depth) && !this.walkSpares(ref, real, f.real, start)),
      ),
    )?.configured;
  }

  // A word with a run-time part is judged by its literal prefix: `/etc/$x` may reach /etc/shadow.
  private prefixHit(text: string, cwds: readonly string[]): string | undefined {
    if (text === '') return undefined;
    for (const base of text.startsWith('/') ? [''] : cwds) {
      const joined = base === '' ? text : `${base}/${text}`;
      if (PROC_LINK.test(lexical(joined))) return '/proc/<pid>/root|cwd|fd';
      const slash = joined.lastIndexOf('/');
      const resolved = resolvePath(joined.slice(0, slash) || '/');
      if (resolved.procLink) return '/proc/<pid>/root|cwd|fd';
      const dir = resolved.real;
      const stem = `${dir === '/' ? '' : dir}/${joined.slice(slash + 1)}`;
      const f = this.forbidden.find((f) => within(dir, f.real) || f.real.startsWith(stem));
      if (f) return f.configured;
    }
    return undefined;
  }
}
