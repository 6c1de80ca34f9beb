// Shell options, read as bash reads them in `set`, `shopt` and a shell's own command line, and the
// changes a policy that restricts commands refuses. The terminal's shell persists, so an option one
// line sets holds for every later line, and the policy judges each line as bash parses it by
// default: an option that changes where a comment starts (`+o interactive-comments`), which words
// are assignments (`-k`/`keyword`) or how quotes nest (`posix`) makes bash run other commands than
// the ones judged, and the `cd` options send a later `cd` where its operand does not say.
// Everyday options (`-e`, `-o pipefail`, `-x`, `shopt -s globstar nullglob`) change none of that:
// glob options are judged as if on already, alias expansion is on in every interactive shell.
import type { Construct } from './scan';
import type { WordValue } from './words';

/** One shell option a command turns on or off. */
export interface OptionChange {
  /**
   * bash's name of the option: its `set -o` name (`keyword`, `interactive-comments`) or its `shopt`
   * name (`cdspell`); `undefined` for a letter bash has no option for.
   */
  name: string | undefined;
  on: boolean;
  /** The words that change it (`['-k']`, `['-o', 'keyword']`, `['-u', 'interactive_comments']`). */
  written: string[];
}

/** The options a command changes. */
export interface OptionChanges {
  changes: OptionChange[];
  /**
   * A word only known at run time where an option or an option's name is read (`set $opts`,
   * `shopt -u "$o"`, `bash -o "$o"`): it may change any option.
   */
  unknown?: WordValue;
}

/** A shell's option scan (see {@link scanShellOptions}): where its operands start, and what it sets. */
export type ShellOptionScan =
  | {
      next: number;
      /** The letters and long options given (`c` for `-c`, `posix` for `--posix`), for the wrapper walk. */
      seen: Map<string, string | true>;
      at: Map<string, { index: number; offset: number }>;
      changes: OptionChange[];
    }
  /** `unknown`: the word only known at run time that stopped the walk. */
  | { error: string; unknown?: WordValue };

// `set`'s letters (also a shell's on its command line) and the `set -o` names they stand for.
const SET_LETTERS: Readonly<Record<string, string>> = {
  a: 'allexport',
  b: 'notify',
  e: 'errexit',
  f: 'noglob',
  h: 'hashall',
  k: 'keyword',
  m: 'monitor',
  n: 'noexec',
  p: 'privileged',
  t: 'onecmd',
  u: 'nounset',
  v: 'verbose',
  x: 'xtrace',
  B: 'braceexpand',
  C: 'noclobber',
  E: 'errtrace',
  H: 'histexpand',
  P: 'physical',
  T: 'functrace',
};

// The one option both tables hold, under two spellings: `shopt interactive_comments` is
// `set -o interactive-comments`.
const canonical = (name: string): string => (name === 'interactive_comments' ? 'interactive-comments' : name);

const letterChange = (sign: string, letter: string): OptionChange => ({
  name: SET_LETTERS[letter],
  on: sign === '-',
  written: [`${sign}${letter}`],
});

/**
 * A word bash may read as an option: one only known at run time whose literal start is empty or a
 * sign (`$x`, `-$x`, `"$@"`, `-{k,e}`) could become `-k`.
 */
const mayBeSigned = (w: WordValue): boolean => !w.literal && (w.prefix === '' || /^[-+]/.test(w.prefix));

/**
 * The options `set ARGS` changes, read as bash's `set` reads them: words starting with `-` or `+`
 * until `--`, `-` or another word; letters in a cluster, each `o` taking the next word as an option
 * name unless that word is missing or starts with a sign (then it lists the options), so `-ok
 * keyword` is `-o keyword -k` and `-o -k` lists the options and sets `-k`.
 */
export function setChanges(args: readonly WordValue[]): OptionChanges {
  const changes: OptionChange[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as WordValue;
    if (mayBeSigned(w)) return { changes, unknown: w };
    // `set -- a b`, `set - a b`, `set a b`: positional parameters from here on.
    if (!w.literal || w.value === '--' || w.value === '-' || !/^[-+]/.test(w.value)) break;
    const sign = w.value[0] as string;
    for (const letter of w.value.slice(1)) {
      if (letter !== 'o') {
        changes.push(letterChange(sign, letter));
        continue;
      }
      const name = args[i + 1];
      if (name === undefined) continue;
      if (mayBeSigned(name)) return { changes, unknown: name };
      if (name.value === '' || /^[-+]/.test(name.value)) continue;
      changes.push({ name: canonical(name.value), on: sign === '-', written: [`${sign}o`, name.value] });
      i++;
    }
  }
  return { changes };
}

/**
 * The options `shopt ARGS` changes: bash reads options (`-s`, `-u`, `-o`, `-p`, `-q`, clustered)
 * until `--` or the first other word, then option names; `-s` sets them, `-u` unsets them (both
 * together is an error), `-o` makes them `set -o` names, and without `-s`/`-u` they are listed.
 */
export function shoptChanges(args: readonly WordValue[]): OptionChanges {
  const flags = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as WordValue;
    // A word only known at run time may be `-u`, or `-u interactive_comments` once split.
    if (!w.literal) return { changes: [], unknown: w };
    if (w.value === '--') {
      i++;
      break;
    }
    if (!/^-./.test(w.value)) break;
    for (const c of w.value.slice(1)) flags.add(c);
  }
  if (flags.has('s') === flags.has('u')) return { changes: [] };
  const on = flags.has('s');
  const flag = `-${on ? 's' : 'u'}${flags.has('o') ? 'o' : ''}`;
  const changes: OptionChange[] = [];
  for (const w of args.slice(i)) {
    if (!w.literal) return { changes, unknown: w };
    changes.push({ name: canonical(w.value), on, written: [flag, w.value] });
  }
  return { changes };
}

/**
 * Whether a run-time word of a shell's command line may be read as an option: `bash $opts -c CODE`
 * (`$opts` may be `-k`, or vanish so that CODE still runs). Not a process substitution (a path),
 * nor the last word after `-c`, the code string itself (refused as not literal elsewhere).
 */
function mayBeOption(w: WordValue, i: number, count: number, seen: ReadonlyMap<string, unknown>): boolean {
  if (/^[<>]\(/.test(w.value)) return false;
  if (seen.has('c') && i === count - 1) return false;
  return mayBeSigned(w);
}

// bash's long options, which it reads only before its one-letter options, with one dash or two
// (`-posix` is `--posix`); `rcfile` and `init-file` take the next word.
const LONG_FLAGS = new Set([
  'debug',
  'debugger',
  'dump-po-strings',
  'dump-strings',
  'help',
  'login',
  'noediting',
  'noprofile',
  'norc',
  'posix',
  'pretty-print',
  'restricted',
  'verbose',
  'version',
]);
const LONG_WITH_ARG = new Set(['rcfile', 'init-file']);
// One-letter options of a shell's command line besides `set`'s letters and `o`/`O`.
const INVOCATION_LETTERS = new Set([...'cilrsD']);

/**
 * A shell's command line (`bash -k -c CODE`, `bash +O interactive_comments`), read as bash reads
 * it: long options first; then words starting with `-` or `+` up to `-`, `--` or another word,
 * their letters clustered, `o` and `O` each taking the next word (never the rest of the cluster:
 * `-ok keyword` is `-o keyword -k`, `-Oc extglob CODE` runs CODE), `+c` like `-c`. `next` is the
 * first operand: the code string after `-c`, else the script. Other shells' options are a subset.
 */
export function scanShellOptions(words: readonly WordValue[]): ShellOptionScan {
  const seen = new Map<string, string | true>();
  const changes: OptionChange[] = [];
  let i = 1;
  const dynamic = (w: WordValue) => ({ error: `option ${w.value} is not a literal`, unknown: w });
  for (; i < words.length; i++) {
    const w = words[i] as WordValue;
    if (!w.literal) {
      if (mayBeOption(w, i, words.length, seen)) return dynamic(w);
      break;
    }
    const name = w.value.replace(/^--?/, '');
    if (!w.value.startsWith('-') || w.value === '-' || w.value === '--') break;
    if (LONG_WITH_ARG.has(name)) {
      seen.set(name, words[++i]?.value ?? '');
      continue;
    }
    if (!LONG_FLAGS.has(name)) {
      if (w.value.startsWith('--')) return { error: `unknown option ${w.value}` };
      break;
    }
    seen.set(name, true);
    if (name === 'posix') changes.push({ name: 'posix', on: true, written: [w.value] });
  }
  for (; i < words.length; i++) {
    const w = words[i] as WordValue;
    if (!w.literal) {
      if (mayBeOption(w, i, words.length, seen)) return dynamic(w);
      break;
    }
    if (w.value === '-' || w.value === '--') {
      i++;
      break;
    }
    if (!/^[-+]/.test(w.value)) break;
    const sign = w.value[0] as string;
    let taken = 0;
    for (const c of w.value.slice(1)) {
      if (c === 'o' || c === 'O') {
        const value = words[i + 1 + taken];
        // `bash -o` alone lists the options.
        if (value === undefined) continue;
        if (!value.literal) return dynamic(value);
        taken++;
        seen.set(c, value.value);
        changes.push({
          name: canonical(value.value),
          on: sign === '-',
          written: [`${sign}${c}`, value.value],
        });
      } else if (INVOCATION_LETTERS.has(c)) seen.set(c, true);
      else if (SET_LETTERS[c] !== undefined) {
        seen.set(c, true);
        changes.push(letterChange(sign, c));
      } else return { error: `unknown option ${sign}${c}` };
    }
    i += taken;
  }
  return { next: i, seen, at: new Map(), changes };
}

/** Why a policy that restricts commands refuses an option change; `on` is the refused direction. */
interface Refused {
  on: boolean;
  why: string;
}

// What each refused change does to later lines (see the module comment).
const REFUSED: Readonly<Record<string, Refused>> = {
  'interactive-comments': {
    on: false,
    why: "makes '#' start no comment, so text after a '#' that the policy reads as a comment runs as commands ('echo ok # ; cmd' runs cmd)",
  },
  keyword: {
    on: true,
    why: "makes every NAME=value word of a command an assignment to its environment, so words the policy judges as arguments set variables ('ls LD_PRELOAD=./x.so' preloads x.so)",
  },
  posix: {
    on: true,
    why: `changes how bash parses later lines (single quotes inside a double-quoted '\${…}' no longer quote, so '"\${x:-'}"; cmd; "'}"' runs cmd) and keeps assignments written before special builtins`,
  },
  cdable_vars: { on: true, why: "makes a later 'cd NAME' go to the directory in variable NAME" },
  cdspell: { on: true, why: "makes a later 'cd' go to a directory whose name it corrected" },
  autocd: { on: true, why: "makes a directory name typed as a command a 'cd' into it" },
  dirspell: {
    on: true,
    why: "corrects directory names, so a later 'cd' goes where its operand does not say",
  },
};

/**
 * The rules of changes that make bash parse later lines otherwise, so that what the policy judged is
 * not what runs (refused wherever anything is protected). An option named at run time is left to
 * the shell-integration rule where only that is protected (hook-options.ts).
 */
export const PARSE_OPTION_RULES: ReadonlySet<string> = new Set([
  'shell-option:interactive-comments',
  'shell-option:keyword',
  'shell-option:posix',
]);

/**
 * Variables whose assignment changes how bash parses later lines: POSIXLY_CORRECT turns posix mode
 * on (see {@link REFUSED}), in the shell that assigns it and in shells started with it.
 */
export const PARSE_MODE_VARIABLES: readonly string[] = ['POSIXLY_CORRECT'];

/**
 * The refusal of the first change in `found` that makes later lines run other than judged (rule
 * `shell-option:NAME`), or of an option only known at run time (`shell-option:non-literal`).
 * `program` is how the command is named in the reason (`set`, `shopt`, `bash`).
 */
export function optionChangeDenial(program: string, found: OptionChanges): Construct | undefined {
  for (const change of found.changes) {
    const refused = change.name === undefined ? undefined : REFUSED[change.name];
    if (refused === undefined || refused.on !== change.on) continue;
    return {
      rule: `shell-option:${change.name}`,
      reason: `'${[program, ...change.written].join(' ')}' ${refused.why}; the shell keeps the option for later lines, which are judged as bash reads them by default`,
    };
  }
  if (found.unknown === undefined) return undefined;
  return {
    rule: 'shell-option:non-literal',
    reason: `'${program}' is given '${found.unknown.value}', only known at run time, where it reads shell options: it could turn on one that changes how later lines are read or where 'cd' goes (keyword, posix, cdspell …) or turn comments off; write options literally`,
  };
}
