// Pathname expansion at check time: a glob word is judged by the files it matches now (and by
// itself, which bash passes on when nothing matches). Bounded; dot entries, including `.` and
// `..`, are candidates whenever a pattern component starts with a dot.
import { readdirSync } from 'node:fs';

const MAX_MATCHES = 512;
const GLOB = /[*?[]/;

type Token = { kind: 'star' } | { kind: 'one'; test: (c: string) => boolean };

// `[…]` at `open` (`[!…]`/`[^…]` negated, `a-z` ranges); undefined when it is not closed.
function bracket(pattern: string, open: number, fold: boolean): { token: Token; end: number } | undefined {
  const close = pattern.indexOf(']', open + 2);
  if (close < 0) return undefined;
  let body = pattern.slice(open + 1, close);
  const negated = body.startsWith('!') || body.startsWith('^');
  if (negated) body = body.slice(1);
  if (fold) body = body.toLowerCase();
  const test = (c: string) => {
    const ch = fold ? c.toLowerCase() : c;
    let hit = false;
    for (let j = 0; j < body.length && !hit; j++) {
      const from = body[j] as string;
      if (body[j + 1] === '-' && j + 2 < body.length) {
        hit = ch >= from && ch <= (body[j + 2] as string);
        j += 2;
      } else hit = ch === from;
    }
    return hit !== negated;
  };
  return { token: { kind: 'one', test }, end: close };
}

function tokens(pattern: string, fold: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (ch === '?') out.push({ kind: 'one', test: () => true });
    else {
      const group = ch === '[' ? bracket(pattern, i, fold) : undefined;
      if (group) {
        out.push(group.token);
        i = group.end;
      } else {
        const want = fold ? ch.toLowerCase() : ch;
        out.push({ kind: 'one', test: (c) => (fold ? c.toLowerCase() : c) === want });
      }
    }
  }
  return out;
}

/**
 * A matcher of one path component's glob `pattern` (`*`, `?`, `[…]`, `[!…]`), case-insensitive
 * with `fold`. Greedy with one backtrack point, so O(pattern × name): a regex would backtrack
 * exponentially on `*a*a*a*b` against a long name an agent created.
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

/** The existing paths absolute `pattern` matches, or `undefined` when there are too many. */
export function expandGlob(pattern: string): string[] | undefined {
  let current = [''];
  for (const component of pattern.split('/').slice(1)) {
    if (!hasGlob(component)) {
      current = current.map((dir) => `${dir}/${component}`);
      continue;
    }
    const match = globMatcher(component);
    const next: string[] = [];
    for (const dir of current) {
      let names: string[];
      try {
        names = readdirSync(dir || '/');
      } catch {
        continue;
      }
      if (component.startsWith('.')) names.push('.', '..');
      for (const name of names) {
        if (name.startsWith('.') && !component.startsWith('.')) continue;
        if (match(name)) next.push(`${dir}/${name}`);
      }
      if (next.length > MAX_MATCHES) return undefined;
    }
    current = next;
  }
  return current;
}
