// A glob among a program's options (`wc -l *.ts`, `sort *.txt`, `du -sh *`): bash passes the names
// it matches, so it becomes an option only when a name starting with `-` matches (a file named
// `--files0-from=x.ts` would turn `wc -l *.ts` into a refused option). The glob is resolved at check
// time from every directory the line may be in; when no match starts with `-` it is not an option.
// A line that may itself make such a name (`touch -- -o.txt`, `> ./-o.txt`) is not resolved, and
// neither is a glob with too many matches or after a `cd` that cannot be followed.
import { expandGlob, hasGlob } from './globs';
import type { Scan } from './scan';
import type { WordValue } from './words';

/** True when `word` is a glob none of whose current matches, from any of `cwds`, starts with `-`. */
export function dashFreeGlob(word: WordValue, cwds: readonly string[] | undefined): boolean {
  if (!cwds || word.literal || word.expanded || word.alternatives || !hasGlob(word.value)) return false;
  if (word.value.startsWith('-') || word.value.startsWith('/')) return word.value.startsWith('/');
  return cwds.every((cwd) => {
    const matches = expandGlob(`/${word.value}`, cwd);
    const cut = cwd === '/' ? 1 : cwd.length + 1;
    return matches !== undefined && !matches.some((m) => m.slice(cut).startsWith('-'));
  });
}

// A word that names a file whose name starts with `-`: `./-x`, `a/-x`, or any word after `--`.
const DASH_NAME = /(^|\/)-/;

/** True when some command or redirection of the line may create or name a file starting with `-`. */
export function namesDashFiles(scan: Scan): boolean {
  if (scan.redirects.some((r) => !r.target.literal || DASH_NAME.test(r.target.value))) return true;
  return scan.commands.some((f) => {
    const args = f.words.slice(1);
    const end = args.findIndex((w) => w.value === '--');
    return args.some(
      (w, i) => (w.literal && /\/-/.test(w.value)) || (end >= 0 && i > end && w.value.startsWith('-')),
    );
  });
}
