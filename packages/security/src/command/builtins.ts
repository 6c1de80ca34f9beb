// Builtins judged by their arguments: which variables they assign (`read`, `printf -v`,
// `declare` …), which names they evaluate (`test -v`, `unset`), and where `cd`, `pushd` and `popd`
// go.
import { builtinAssignments, type Target } from './assignments';
import { PLAIN_NAME } from './evaluation';
import type { Construct } from './scan';
import type { WordValue } from './words';

/** bash's builtins and keywords-like commands: a function of one of these names changes what it runs. */
export const SHELL_BUILTINS: ReadonlySet<string> = new Set(
  (
    '. : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare ' +
    'dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill ' +
    'let local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt ' +
    'source suspend test times trap true type typeset ulimit umask unalias unset wait'
  ).split(' '),
);

/**
 * Under an allowlist, a function named like a builtin or an allowed program shadows it: later
 * lines that call the allowed name run the function, whose body was judged in another directory
 * and may reassign variables the policy relies on. `allowed` tests a program name.
 */
export function shadowingFunction(
  functions: readonly string[],
  allowed: (name: string) => boolean,
): Construct | undefined {
  const name = functions.find((f) => SHELL_BUILTINS.has(f) || allowed(f));
  return name === undefined
    ? undefined
    : {
        rule: 'function-shadows-command',
        reason: `defining a function named '${name}' changes what the command '${name}' runs in later commands; use another name`,
      };
}

/**
 * What a builtin assigns, and the construct that fails closed under an allowlist: a name whose
 * subscript is evaluated, a nameref or integer declaration, `let` on variables.
 */
export function judgeBuiltin(
  program: string,
  words: WordValue[],
  text: string,
): { targets: Target[]; construct?: Construct } {
  const assigned = builtinAssignments(program, words);
  const targets = assigned?.targets ?? [];
  const evaluated = (why: string): Construct => ({
    rule: 'evaluated-string',
    reason: `'${text.slice(0, 80)}' ${why}; a string such as 'a[$(cmd)]' there would run cmd`,
  });
  if (assigned?.flags.has('n') || assigned?.flags.has('i'))
    return {
      targets,
      construct: evaluated('declares a nameref or integer variable, whose assignments are evaluated later'),
    };
  const names = [...targets.map((t) => t.written)];
  const args = words.slice(1);
  if (program === 'test' || program === '[')
    for (const [i, w] of args.entries())
      if (/^-[vR]$/.test(args[i - 1]?.value ?? '')) names.push(w.literal ? w.value : undefined);
  if (program === 'unset')
    for (const w of args) if (!w.value.startsWith('-')) names.push(w.literal ? w.value : undefined);
  if (names.some((n) => n === undefined || !PLAIN_NAME.test(n)))
    return {
      targets,
      construct: evaluated(
        'names a variable that is not a plain literal name, so its subscript is evaluated',
      ),
    };
  if (program === 'let' && !args.every((w) => w.literal && /^[\d\s+\-*/%()<>=!&|^~?:,]*$/.test(w.value)))
    return {
      targets,
      construct: evaluated(
        'evaluates its arguments as arithmetic, reading variables whose values the policy cannot see',
      ),
    };
  return { targets };
}

/**
 * Where a `cd`, `pushd` or `popd` goes: a literal directory, `~`, or `undefined` when only the
 * shell knows (`cd -`, `cd $x`, `popd`, `pushd +1`).
 */
export function cdTarget(name: string, words: WordValue[]): string | undefined {
  if (name === 'popd') return undefined;
  const args = words.slice(1);
  const target = args.find(
    (w, i) => !/^-[LPe@]+$/.test(w.value) && !(w.value === '--' && i < args.length - 1),
  );
  if (target === undefined) return name === 'pushd' ? undefined : '~';
  if (!target.literal || target.value === '-' || /^[+-]\d+$/.test(target.value)) return undefined;
  return target.value;
}

/** Variables whose assignment changes where a later `cd` goes (`CDPATH` search, `cd` alone → `$HOME`). */
export const CD_VARIABLES: ReadonlySet<string> = new Set(['CDPATH', 'HOME']);
