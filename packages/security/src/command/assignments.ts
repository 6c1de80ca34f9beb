// Which variables a builtin assigns, which variable names the command policy protects, and the
// verdict on one assignment. Bash assigns variables in many more places than `NAME=value`:
// `printf -v`, `read`, `mapfile`, `getopts`, `wait -p`, `declare`/`export`/`local`/`readonly`/
// `typeset` (whose arguments may be quoted), namerefs, `export -f` (an environment entry
// `BASH_FUNC_name%%`), `for NAME in`, arithmetic (`let`, an integer declaration's value, a
// subscript) and the forms implicit-assignments.ts finds (`${NAME:=word}`, `((NAME = 1))`,
// `{NAME}>file`, `coproc NAME`). `unset PATH` counts as assigning PATH: with PATH unset, bash
// looks a command name up in the current directory (`ls` runs `./ls`).
import { arithmeticTargets } from './implicit-assignments';
import type { Construct, FoundAssignment } from './scan';
import type { WordValue } from './words';

/**
 * Variables that steer the shell itself: prompts and hooks that run code (`PS0`–`PS4`,
 * `PROMPT_COMMAND`), files it reads or writes (`BASH_ENV`, `ENV`, `HISTFILE`), how it finds and
 * splits things (`PATH`, `CDPATH`, `HOME`, `IFS`, `GLOBIGNORE`), loader variables, and when it
 * exits (`TMOUT`). Assigning
 * one is denied unless the policy's `dangerousVariables` is empty (an explicit opt-out).
 */
export const SHELL_CONTROL_VARIABLES: readonly string[] = [
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'PROMPT_COMMAND',
  'BASH_ENV',
  'ENV',
  'HISTFILE',
  'CDPATH',
  'HOME',
  'IFS',
  'PATH',
  'LD_*',
  'SHELLOPTS',
  'BASHOPTS',
  'GLOBIGNORE',
  'EXECIGNORE',
  'BASH_XTRACEFD',
  'BASH_FUNC_*',
  'BASH_LOADABLES_PATH',
  'INPUTRC',
  'MAIL',
  'MAILPATH',
  'OLDPWD',
  // The cwd orchflow reports where it cannot read the shell's from the kernel (containers).
  'PWD',
  // What a command name runs: aliases and the command hash table.
  'BASH_ALIASES',
  'BASH_CMDS',
  // How long the interactive shell waits for a line before it exits: the terminal's session ends
  // later, while it is idle.
  'TMOUT',
];

/**
 * Under an allowlist, the only upper-case (environment-style) names that may be assigned:
 * everything else may steer an allowed program (`GIT_PAGER`, `GOFLAGS`, `PYTEST_ADDOPTS`,
 * `RUSTC_WRAPPER`, `npm_config_*` …) into running code, so it is denied.
 */
export const SAFE_ENVIRONMENT: readonly string[] = [
  'CI',
  'NODE_ENV',
  'FORCE_COLOR',
  'NO_COLOR',
  'TERM',
  'COLUMNS',
  'LINES',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'DEBUG',
  'RUST_BACKTRACE',
  'RUST_LOG',
  'PYTHONUNBUFFERED',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONHASHSEED',
];

/** A name glob (`LD_*`) as a regular expression. */
export function nameGlob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
}

const SAFE_NAMES = SAFE_ENVIRONMENT.map(nameGlob);

// What assigning a protected variable does, where it is not changing what is loaded or run.
const EFFECT: Readonly<Record<string, string>> = {
  TMOUT:
    "makes the terminal's shell exit once it has waited that many seconds for a line, ending the session",
};

/**
 * The denial of assignment `a`: a name in `dangerous` (the policy's `dangerousVariables` as name
 * globs), or under an allowlist (`strict`) any environment-style name outside SAFE_ENVIRONMENT.
 */
export function assignmentDenial(
  a: FoundAssignment,
  strict: boolean,
  dangerous: readonly RegExp[],
): Construct | undefined {
  const denied = { rule: `dangerous-assignment:${a.name}` };
  // `unset PATH` is judged as an assignment (see the module comment); its reason says what it does.
  const sets = /^\s*unset\b/.test(a.text) ? 'unsets' : 'sets';
  if (dangerous.some((re) => re.test(a.name)))
    return {
      ...denied,
      reason: `'${a.text}' ${sets} ${a.name}, which ${EFFECT[a.name] ?? 'changes what the shell or programs load or run'}`,
    };
  // Under an allowlist, environment-style names steer allowed programs (GIT_PAGER, GOFLAGS …).
  const environmentStyle = a.exported || /^[A-Z_][A-Z0-9_]*$/.test(a.name);
  if (strict && environmentStyle && !SAFE_NAMES.some((re) => re.test(a.name)))
    return {
      ...denied,
      reason: `'${a.text}' sets the environment-style variable ${a.name}, which allowed programs may read to run other code; only ${SAFE_ENVIRONMENT.join(', ')} may be set under an allowlist`,
    };
  return undefined;
}

/** A variable a builtin assigns. */
export interface Target {
  /** The variable's name without a subscript (`a` for `a[1]`). */
  name: string;
  /** The name as written (`a[1]`); `undefined` when not a literal. */
  written?: string;
  /** The assignment reaches the environment of programs (`export`, `declare -x`, `export -f`). */
  exported: boolean;
}

/** What a builtin invocation assigns, and attributes that make later assignments evaluate. */
export interface BuiltinAssignments {
  targets: Target[];
  /** Flags given to a declaration builtin (`n` for a nameref, `i` for an integer). */
  flags: Set<string>;
}

const DECLARATIONS = new Set(['declare', 'typeset', 'local', 'readonly', 'export']);
const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(\[.*\])?$/s;

function target(word: WordValue, exported: boolean): Target {
  const written = word.literal ? word.value : undefined;
  const name = written === undefined ? word.value : (NAME.exec(written)?.[1] ?? written);
  return { name, written, exported };
}

// Operands after options; `withArg` letters take the next word (or the rest of the cluster).
function operands(words: WordValue[], withArg: string): { ops: WordValue[]; opts: Map<string, WordValue> } {
  const ops: WordValue[] = [];
  const opts = new Map<string, WordValue>();
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i] as WordValue;
    if (w.value === '--') {
      i++;
      break;
    }
    if (!/^-./.test(w.value)) break;
    for (let k = 1; k < w.value.length; k++) {
      const c = w.value[k] as string;
      if (!withArg.includes(c)) continue;
      const rest = w.value.slice(k + 1);
      const arg = rest === '' ? words[++i] : { ...w, value: rest, prefix: '' };
      if (arg) opts.set(c, arg);
      break;
    }
  }
  ops.push(...words.slice(i));
  return { ops, opts };
}

function declaration(program: string, words: WordValue[]): BuiltinAssignments {
  const flags = new Set<string>();
  const names: WordValue[] = [];
  for (const w of words.slice(1)) {
    if (/^[-+][A-Za-z]+$/.test(w.value) && names.length === 0) {
      if (w.value.startsWith('-')) for (const c of w.value.slice(1)) flags.add(c);
    } else names.push(w);
  }
  const exported = program === 'export' || flags.has('x');
  const targets: Target[] = [];
  for (const w of names) {
    const eq = w.value.indexOf('=');
    const left: WordValue =
      eq < 0 ? w : { ...w, value: w.value.slice(0, eq), literal: w.prefix.length >= eq };
    if (flags.has('f')) {
      if (exported) targets.push({ name: `BASH_FUNC_${left.value}%%`, written: left.value, exported });
      continue;
    }
    targets.push(target(left, exported));
    // A nameref's value is the name later assignments through it will set.
    if (flags.has('n') && eq >= 0) targets.push(target({ ...w, value: w.value.slice(eq + 1) }, exported));
    // An integer's value is evaluated as arithmetic, which may assign (`declare -i n=PATH=1`).
    if (flags.has('i') && eq >= 0) targets.push(...arithmeticTargets(w.value.slice(eq + 1)).map(evaluated));
  }
  return { targets, flags };
}

// A variable assigned by arithmetic the builtin evaluates.
function evaluated(name: string): Target {
  return { name, written: name, exported: false };
}

// Unsetting these changes what later commands run: without PATH, bash looks command names up in
// the current directory.
const UNSET_CHANGES: ReadonlySet<string> = new Set(['PATH']);

// What arithmetic in the subscript of a name as written assigns (`read 'a[PATH=1]'`).
function inSubscript(written: string | undefined): Target[] {
  const open = written?.indexOf('[') ?? -1;
  return written && open > 0 ? arithmeticTargets(written.slice(open)).map(evaluated) : [];
}

function unset(words: WordValue[]): Target[] {
  const { ops } = operands(words, '');
  if (words.slice(1, words.length - ops.length).some((w) => /^-[a-z]*f/.test(w.value))) return [];
  const literal = ops.filter((w) => w.literal);
  return [
    ...literal.filter((w) => UNSET_CHANGES.has(w.value)).map((w) => target(w, false)),
    ...literal.flatMap((w) => inSubscript(w.value)),
  ];
}

/**
 * The variables `words` (program first) assigns when it is an assigning builtin, with what
 * arithmetic in its names' subscripts assigns.
 */
export function builtinAssignments(program: string, words: WordValue[]): BuiltinAssignments | undefined {
  const assigned = namedAssignments(program, words);
  if (!assigned) return undefined;
  const subscripts = assigned.targets.flatMap((t) => inSubscript(t.written));
  return subscripts.length === 0 ? assigned : { ...assigned, targets: [...assigned.targets, ...subscripts] };
}

function namedAssignments(program: string, words: WordValue[]): BuiltinAssignments | undefined {
  const flags = new Set<string>();
  if (DECLARATIONS.has(program)) return declaration(program, words);
  if (program === 'printf') {
    const v = operands(words, 'v').opts.get('v');
    return v ? { targets: [target(v, false)], flags } : undefined;
  }
  if (program === 'read') {
    const { ops, opts } = operands(words, 'adinNptu');
    const array = opts.get('a');
    return { targets: [...ops, ...(array ? [array] : [])].map((w) => target(w, false)), flags };
  }
  if (program === 'mapfile' || program === 'readarray') {
    const { ops } = operands(words, 'dnOsuCc');
    return { targets: ops.slice(-1).map((w) => target(w, false)), flags };
  }
  if (program === 'getopts') {
    const name = words[2];
    return { targets: name ? [target(name, false)] : [], flags };
  }
  if (program === 'wait') {
    const p = operands(words, 'p').opts.get('p');
    return { targets: p ? [target(p, false)] : [], flags };
  }
  if (program === 'let')
    return {
      targets: words
        .slice(1)
        .flatMap((w) => arithmeticTargets(w.value))
        .map(evaluated),
      flags,
    };
  if (program === 'unset') return { targets: unset(words), flags };
  return undefined;
}
