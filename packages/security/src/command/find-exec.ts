// find's actions that run a command (`-exec`, `-execdir`, `-ok`, `-okdir`, ended by `;` or `+`),
// and the command's words as find passes them.
import { findFileArgs } from './file-args-find';
import type { WordValue } from './words';

/** A word only known at run time (`prefix` is what is known of its start). */
export const runTime = (value: string, prefix = ''): WordValue => ({
  value,
  literal: false,
  prefix,
  expanded: true,
});

/**
 * The `find` actions that run a command, ended by `;` or `+`: word ranges [start, end), and the
 * command once per path `{}` may stand for (see {@link foundPaths}).
 */
export function findExecs(
  words: WordValue[],
): Array<{ action: number; start: number; end: number; words: WordValue[]; variants: WordValue[][] }> {
  const out: Array<{
    action: number;
    start: number;
    end: number;
    words: WordValue[];
    variants: WordValue[][];
  }> = [];
  const found = foundPaths(words);
  for (let i = 1; i < words.length; i++) {
    const action = (words[i] as WordValue).value;
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes(action)) continue;
    let end = i + 1;
    while (end < words.length && !/^[;+]$/.test((words[end] as WordValue).value)) end++;
    const command = findCommand(words.slice(i + 1, end), action.endsWith('dir'));
    const variants = found.map((path) => command.map((w, k) => (k > 0 && w.value === '{}' ? path : w)));
    out.push({ action: i, start: i + 1, end, words: command, variants });
    i = end;
  }
  return out;
}

// What `{}` may be: each start point itself and, unless `-maxdepth 0`, anything below it within
// the depth (a glob per level, `**` when unbounded; a run-time word under a non-literal start or
// when the walk follows links), so
// a forbidden path the walk reaches is judged as `cat {}` or `grep -r x {}` would open it.
function foundPaths(words: WordValue[]): WordValue[] {
  const args = words.slice(1);
  const known = findFileArgs(args);
  const starts = known.paths.filter((p) => p.operand).map((p) => args[p.index] as WordValue);
  const implicit = known.implicit;
  if (implicit && (implicit.always || starts.length === 0))
    starts.push({ value: implicit.path, literal: true, prefix: implicit.path, expanded: false });
  // `-L` (before the start points) or `-follow`: the walk goes through links, to wherever they
  // lead, so what lies below a start point is only known at run time.
  let leading = 0;
  for (; leading < args.length; leading++) {
    const v = args[leading]?.value ?? '';
    if (v === '-D') leading++;
    else if (!/^-([HLP]|O\d*)$/.test(v)) break;
  }
  const follows =
    args.slice(0, leading).some((w) => w.value === '-L') || args.some((w) => w.value === '-follow');
  const out: WordValue[] = [];
  for (const start of starts) {
    out.push(start);
    if (known.maxDepth === 0) continue;
    if (!start.literal || follows) {
      out.push(runTime(`${start.value}/{}`, start.prefix));
      continue;
    }
    // A glob word (`/etc/*`, `src/**`) is what path-guard matches against forbidden paths below.
    const base = start.value.replace(/\/+$/, '');
    const levels = known.maxDepth ?? Number.POSITIVE_INFINITY;
    const globs =
      levels > 8
        ? ['**']
        : Array.from({ length: levels }, (_, n) =>
            Array(n + 1)
              .fill('*')
              .join('/'),
          );
    // What the walk prunes (`-path ./secret -prune -o -exec …`) is never a `{}`.
    const walk = known.skips?.length ? { walk: { start: start.value, skips: known.skips } } : {};
    for (const glob of globs)
      out.push({ value: `${base}/${glob}`, literal: false, prefix: `${base}/`, expanded: false, ...walk });
  }
  return out;
}

// The command of a find action as it runs. A bare `{}` is a found path (see foundPaths); `{}` inside a longer word (`{}/../x`) or as the
// program is only known at run time. -execdir runs in each found file's directory, so its other
// relative words (and a relative program) resolve somewhere under the start points.
function findCommand(command: WordValue[], inFoundDir: boolean): WordValue[] {
  return command.map((w, k) => {
    if (w.value === '{}' && k > 0) return w;
    if (w.value.includes('{}'))
      return runTime(w.value, w.literal ? w.value.slice(0, w.value.indexOf('{}')) : w.prefix);
    const relative = !w.value.startsWith('/') && !w.value.startsWith('-');
    if (inFoundDir && relative && (k > 0 || w.value.includes('/'))) return runTime(w.value);
    return w;
  });
}
