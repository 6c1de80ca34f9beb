// `set` under an allowlist: everyday scripts start with `set -euo pipefail`, but a few shell options
// change what later lines mean in ways the policy cannot follow. `-k`/`keyword` puts assignments
// written after a command's name into its environment (`git log GIT_EXTERNAL_DIFF=./x -p` runs
// `./x`), `-a`/`allexport` exports every later assignment, `+o interactive-comments` turns `#` into
// a word (the text after it, which the parser took for a comment, runs), `posix` and `onecmd`
// change how later lines parse or whether the terminal survives. Only options known to change none
// of that are allowed; any other is a `runs-code` form an allow entry can name (`set -k`).
import { type CodeForm, form } from './programs';
import type { WordValue } from './words';

// Option letters and names that only make the shell stricter, louder or quieter.
const SAFE_LETTERS = new Set([...'euxvfCbhBPET']);
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

/** The forms of `set ARGS` that change how later lines are read or run (see the module comment). */
export function setForms(args: readonly WordValue[]): CodeForm[] {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as WordValue;
    if (!w.literal) return [unsafe('sets an option known only at run time', [w.value])];
    // `set -- a b`, `set a b`: positional parameters from here on.
    if (w.value === '--' || w.value === '-' || !/^[-+]/.test(w.value)) return [];
    for (const letter of w.value.slice(1)) {
      if (letter === 'o') {
        const name = args[i + 1];
        // `set -o` / `set +o` alone list the options.
        if (name === undefined) return [];
        if (!name.literal || !SAFE_NAMES.has(name.value))
          return [unsafe('changes a shell option', [`${w.value[0]}o`, name.value])];
        i++;
      } else if (!SAFE_LETTERS.has(letter))
        return [unsafe('changes a shell option', [`${w.value[0]}${letter}`])];
    }
  }
  return [];
}
