// `set` under an allowlist: everyday scripts start with `set -euo pipefail`, but a few shell options
// change what later lines mean in ways the policy cannot follow. `-k`/`keyword` puts assignments
// written after a command's name into its environment (`git log GIT_EXTERNAL_DIFF=./x -p` runs
// `./x`), `-a`/`allexport` exports every later assignment, `+o interactive-comments` turns `#` into
// a word (the text after it, which the parser took for a comment, runs), `posix` and `onecmd`
// change how later lines parse or whether the terminal survives. Only options known to change none
// of that are allowed; any other is a `runs-code` form an allow entry can name (`set -a`). Those
// that change how bash parses later lines (`-k`, `+o interactive-comments`, `-o posix`) are refused
// before this wherever commands are restricted (`shell-option:NAME`, shell-options.ts), so no
// entry allows them.
import { type CodeForm, form } from './programs';
import { setChanges } from './shell-options';
import type { WordValue } from './words';

// Options that only make the shell stricter, louder or quieter (by their `set -o` names: `-e` is
// errexit), on or off.
const SAFE_NAMES = new Set([
  'errexit',
  'nounset',
  'pipefail',
  'xtrace',
  'verbose',
  'noglob',
  'noclobber',
  'notify',
  'hashall',
  'braceexpand',
  'physical',
  'errtrace',
  'functrace',
  'ignoreeof',
  'emacs',
  'vi',
]);

const unsafe = (what: string, names: string[]): CodeForm =>
  form(
    'runs-code',
    [names],
    `'set ${names.join(' ')}' ${what}, which the policy cannot follow into later lines`,
  );

/**
 * The forms of `set ARGS` that change how later lines are read or run (see the module comment),
 * with options read as bash's `set` reads them (shell-options.ts: `-ok keyword` sets `-k` too).
 */
export function setForms(args: readonly WordValue[]): CodeForm[] {
  const { changes, unknown } = setChanges(args);
  const change = changes.find((c) => c.name === undefined || !SAFE_NAMES.has(c.name));
  if (change) return [unsafe('changes a shell option', change.written)];
  return unknown ? [unsafe('sets an option known only at run time', [unknown.value])] : [];
}
