// Pathname expansion at check time: a glob word is judged by the files it matches now (and by
// itself, which bash passes on when nothing matches), and by the paths it could match once they
// exist. Shell options persist across the commands of a terminal's shell, so an earlier line may
// have set nocaseglob, dotglob, extglob or globstar: matching here is as if all were on (errs
// towards "may match"). Bounded; `.` and `..` are candidates when a pattern component starts with a dot.
import { type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { RESOLVE_STEPS, spend } from './budget';

const MAX_MATCHES = 512;
const GLOB = /[*?[]|[@!+]\(/;

type Token = { kind: 'star' } | { kind: 'one'; test: (c: string) => boolean };

// POSIX character classes inside brackets (`[[:alpha:]]`), as the C locale defines them.
const CLASSES: Record<string, (c: string) => boolean> = {
  alpha: (c) => /[A-Za-z]/.test(c),
  digit: (c) => /[0-9]/.test(c),
  alnum: (c) => /[A-Za-z0-9]/.test(c),
  upper: (c) => /[A-Z]/.test(c),
  lower: (c) => /[a-z]/.test(c),
  space: (c) => /\s/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  punct: (c) => /[!-/:-@[-`{-~]/.test(c),
  print: (c) => c >= ' ' && c !== '\x7f',
  graph: (c) => c > ' ' && c !== '\x7f',
  cntrl: (c) => c < ' ' || c === '\x7f',
  xdigit: (c) => /[0-9A-Fa-f]/.test(c),
  word: (c) => /\w/.test(c),
};

// `[…]` at `open`: `[!…]`/`[^…]` negated, `]` first is literal, ranges, `[:class:]`, `[=c=]` and
// `[.c.]`; undefined when it is not closed (bash then matches the `[` literally).
function bracket(pattern: string, open: number, fold: boolean): { token: Token; end: number } | undefined {
  let i = open + 1;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  const tests: Array<(c: string) => boolean> = [];
  let first = true;
  for (; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === ']' && !first) {
      const test = (c: string) => tests.some((t) => t(c));
      // Folded, a character matches when either case of it would (nocaseglob).
      const folded = fold ? (c: string) => test(c) || test(c.toLowerCase()) || test(c.toUpperCase()) : test;
      return { token: { kind: 'one', test: (c) => folded(c) !== negated }, end: i };
    }
    first = false;
    const inner = ch === '[' ? /^\[([:=.])(.+?)\1\]/.exec(pattern.slice(i)) : null;
    if (inner) {
      const [whole, kind, name = ''] = inner;
      // An unknown class name matches nothing in bash; a collating element or equivalence class
      // is the character itself.
      tests.push(kind === ':' ? (CLASSES[name] ?? (() => false)) : (c) => c === name);
      i += whole.length - 1;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const to = pattern[i + 2] as string;
      tests.push((c) => c >= ch && c <= to);
      i += 2;
    } else tests.push((c) => c === ch);
  }
  return undefined;
}

// extglob groups (`@(a|b)`, `!(x)`, `+(s)`, `*(…)`, `?(…)`) at `open`, when bash's extglob is on
// (an earlier command in the same shell may have set it): matched as `*`, which matches whatever
// the group could, so a check built on this errs towards "may match". Returns the closing index.
function extglobEnd(pattern: string, open: number): number | undefined {
  if (!'@!+*?'.includes(pattern[open] as string) || pattern[open + 1] !== '(') return undefined;
  let depth = 0;
  for (let i = open + 1; i < pattern.length; i++) {
    if (pattern[i] === '(') depth++;
    else if (pattern[i] === ')' && --depth === 0) return i;
  }
  return undefined;
}

function tokens(pattern: string, fold: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    const group = extglobEnd(pattern, i);
    if (group !== undefined || ch === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
      if (group !== undefined) i = group;
    } else if (ch === '?') out.push({ kind: 'one', test: () => true });
    else {
      const set = ch === '[' ? bracket(pattern, i, fold) : undefined;
      if (set) {
        out.push(set.token);
        i = set.end;
      } else {
        const want = fold ? ch.toLowerCase() : ch;
        out.push({ kind: 'one', test: (c) => (fold ? c.toLowerCase() : c) === want });
      }
    }
  }
  return out;
}

/**
 * A matcher of one path component's glob `pattern` (`*`, `?`, `[…]` with POSIX classes, extglob
 * groups widened to `*`), case-insensitive with `fold`. Greedy with one backtrack point, so
 * O(pattern × name): a regex would backtrack exponentially on `*a*a*a*b` against a long name.
 */
export function globMatcher(pattern: string, fold = false): (name: string) => boolean {
  const toks = tokens(pattern, fold);
  return (name) => matches(toks, name);
}

/** Whether `name` matches the glob `pattern` of one path component; see {@link globMatcher}. */
export function globMatch(pattern: string, name: string, fold = false): boolean {
  return globMatcher(pattern, fold)(name);
}

function matches(toks: Token[], name: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < name.length) {
    const tok = toks[p];
    if (tok?.kind === 'one' && tok.test(name[s] as string)) {
      p++;
      s++;
    } else if (tok?.kind === 'star') {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (toks[p]?.kind === 'star') p++;
  return p === toks.length;
}

/** Whether `text` contains glob characters. */
export function hasGlob(text: string): boolean {
  return GLOB.test(text);
}

/** How {@link expandGlob} expands a `**` component. */
export interface GlobstarMode {
  /**
   * For a `**` that ends the pattern, only the paths through which it can leave the directory it
   * starts from: links below it to somewhere else, and the directories above those links. For a
   * caller that judges every path below that directory by its name already (path-guard's
   * globReaches, the memory check's shape), so a large tree without such links stays checkable.
   */
  leavingOnly?: boolean;
}

/**
 * The existing paths absolute `pattern` matches (case-insensitively, dot names included, a `**`
 * component as globstar), or `undefined` when there are too many. `from` is a literal directory
 * the pattern continues (its own glob characters are not special). zsh's `***` (globstar through
 * links) and `**` starting a longer component (GLOB_STAR_SHORT) are not expanded: `undefined`.
 */
export function expandGlob(pattern: string, from = '', mode: GlobstarMode = {}): string[] | undefined {
  let current = [from === '/' ? '' : from];
  const components = pattern.split('/').slice(1);
  for (const [index, component] of components.entries()) {
    if (!hasGlob(component)) {
      current = current.map((dir) => `${dir}/${component}`);
      continue;
    }
    if (component.startsWith('**') || component.includes('***')) {
      if (component !== '**') return undefined;
      // Only a `**` that ends the pattern: components after it may go through links that stay
      // inside, or climb out with `..`, to places the names below never show.
      const leaving = mode.leavingOnly === true && index === components.length - 1;
      const next: string[] = [];
      // Before more components only what can hold them counts: directories, and links.
      const last = index === components.length - 1;
      for (const dir of current) {
        if (!(leaving ? leavingPaths(dir, next) : globstar(dir, next, !last))) return undefined;
      }
      current = next;
      continue;
    }
    const match = globMatcher(component, true);
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = readdirSync(dir || '/');
      } catch {
        continue;
      }
      if (component.startsWith('.')) names.push('.', '..');
      // Matching a name costs up to pattern × name characters.
      spend(RESOLVE_STEPS + names.length * Math.ceil(component.length / 100), 'glob expansion');
      for (const name of names) if (match(name)) next.push(`${dir}/${name}`);
      if (next.length > MAX_MATCHES) return undefined;
    }
    current = next;
  }
  return current;
}

/**
 * A `**` component as globstar matches it (an earlier line may have turned globstar on): `dir`
 * itself and every path below it, descending into directories but not through links to them, as
 * bash does; with `dirsOnly` (more components follow), files are left out. Appends to `out`; false
 * when that makes more than MAX_MATCHES (the caller gives up).
 */
function globstar(dir: string, out: string[], dirsOnly = false): boolean {
  out.push(dir);
  for (const listed of walkBelow(dir)) {
    spend(RESOLVE_STEPS + listed.length, 'glob expansion');
    for (const { path, kind } of listed) {
      if (dirsOnly && kind === 'other') continue;
      out.push(path);
      if (out.length > MAX_MATCHES) return false;
    }
  }
  return true;
}

/**
 * The entries below `dir`, one directory's at a time, as bash's globstar walks them: into
 * directories, not through links; a directory that cannot be read is passed over.
 */
function* walkBelow(dir: string): Generator<Array<{ path: string; kind: EntryKind }>> {
  const pending = [dir];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(next || '/', { withFileTypes: true });
    } catch {
      continue;
    }
    const listed = entries.map((entry) => {
      const path = `${next}/${entry.name}`;
      return { path, kind: kindOf(entry, path) };
    });
    yield listed;
    for (const { path, kind } of listed) if (kind === 'directory') pending.push(path);
  }
}

type EntryKind = 'directory' | 'link' | 'other';

// What a directory entry is. A file system that does not say (d_type unknown) is asked, so that a
// directory there is walked and kept like any other.
function kindOf(entry: Dirent, path: string): EntryKind {
  if (entry.isDirectory()) return 'directory';
  if (entry.isSymbolicLink()) return 'link';
  const known =
    entry.isFile() ||
    entry.isFIFO() ||
    entry.isSocket() ||
    entry.isCharacterDevice() ||
    entry.isBlockDevice();
  if (known) return 'other';
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'link' : 'other';
  } catch {
    return 'other';
  }
}

/** Entries a `**` walk for {@link GlobstarMode.leavingOnly} reads before it gives up. */
const MAX_WALK_ENTRIES = 20_000;

/**
 * `**` from `dir` for {@link GlobstarMode.leavingOnly}: `dir`, every link below it (reached as bash
 * walks, not through links) whose target is not below `dir` (a broken one counts), and every
 * directory between `dir` and such a link; every path (as {@link globstar}) when `dir` is itself
 * reached through a link. False when the walk reads more than MAX_WALK_ENTRIES entries, meets
 * more than MAX_MATCHES links, or the paths are more than MAX_MATCHES.
 */
function leavingPaths(dir: string, out: string[]): boolean {
  const start = out.length;
  const found = new Set<string>([dir]);
  let inside: string;
  try {
    inside = realpathSync(dir || '/');
  } catch {
    return true;
  }
  // Callers judge the names below `dir` as written. When `dir` is itself reached through a link
  // (`a/**` with `a` a link to a home), those names are not where the paths lead: every path counts.
  if (inside !== resolve(dir || '/')) return globstar(dir, out);
  const below = (path: string) => path === inside || path.startsWith(inside === '/' ? '/' : `${inside}/`);
  let read = 0;
  let links = 0;
  for (const listed of walkBelow(dir)) {
    read += listed.length;
    if (read > MAX_WALK_ENTRIES) return false;
    // Reading names is cheap next to resolving a path: a step per 20 entries.
    spend(RESOLVE_STEPS + Math.ceil(listed.length / 20), 'glob expansion');
    for (const { path, kind } of listed) {
      if (kind !== 'link') continue;
      // Resolving is the costly part: as many links as paths may be returned, no more.
      if (++links > MAX_MATCHES) return false;
      spend(RESOLVE_STEPS, 'glob expansion');
      let target: string | undefined;
      try {
        target = realpathSync(path);
      } catch {
        target = undefined;
      }
      if (target !== undefined && below(target)) continue;
      for (let at = path; at.length > dir.length && !found.has(at); at = at.slice(0, at.lastIndexOf('/')))
        found.add(at);
      if (found.size > MAX_MATCHES) return false;
    }
  }
  out.push(...found);
  return out.length - start <= MAX_MATCHES;
}

/**
 * Whether a path the glob `pattern` could match (absolute, as components with `.` and `..`
 * already applied) is `target` or under it, or, with `ancestors`, is a directory above `target`
 * whose walk reaches into it within `depth` levels. Components match as {@link expandGlob} does
 * (`**` as globstar: any number of components); literal components match exactly.
 */
export function globReaches(
  pattern: readonly string[],
  target: readonly string[],
  ancestors: boolean,
  depth = Number.POSITIVE_INFINITY,
): boolean {
  const failed = new Set<number>();
  const reach = (i: number, j: number): boolean => {
    if (j === target.length) return true;
    if (i === pattern.length) return ancestors && target.length - j < depth;
    const key = i * (target.length + 1) + j;
    if (failed.has(key)) return false;
    const part = pattern[i] as string;
    const name = target[j] as string;
    const ok =
      part === '**'
        ? reach(i + 1, j) || reach(i, j + 1)
        : (hasGlob(part) ? globMatch(part, name, true) : part === name) && reach(i + 1, j + 1);
    if (!ok) failed.add(key);
    return ok;
  };
  return reach(0, 0);
}
