// Hook functions that give one command its own environment (`ExecOptions.env`, e.g. a traced
// command's TRACEPARENT) in bash and zsh. `__orchflow_env_args NAME value…` exports each variable
// and remembers what it replaced (unset, set, or set and exported), and the prompt hook puts that
// back before the done marker, so the shell and the next command never see the variables, as
// with a prefix assignment. The arm passes it the words typed after the token (a shell without a
// line editor reads the whole line at once), or, as `__orchflow_env_in <n>`, the `NAME=value`
// lines of the private file `<dir>/env-<n>` up to a `.` line (a line editor reads typed characters
// one at a time, ~7 µs each; reading the file is one builtin and no fork).
// The file and the shell's variables are the terminal's, so a command could have changed them:
// only a regular file is read, names are checked again, and a variable that is not a plain scalar
// (readonly, integer, array, a bash nameref — assigning to those can fail the whole line in zsh or
// evaluate code in bash) is left alone, on the way in and on the way back. Values are assigned,
// never evaluated; nothing here `eval`s a variable; `continue`, `break` and `return` are not used
// (a function may shadow them in bash, or `enable -n return` disable it): the walk over the env
// file's lines stops taking them at the `.` line with a flag. The bash functions that run for
// every command with variables (env_args, env_set, env_out, env_restore) keep no variables of
// their own, only positional parameters, which carry no attributes; env_in's locals are unset
// right after `local` (with `shopt -s localvar_inherit` they would take a global's attributes,
// `-i` evaluating what is assigned), and it reads nothing unless both worked (`enable -n local` or
// `unset` would leave the file's values in globals, or attributes on its variables). The
// saved-state array is made a plain array again, or nothing is set when it cannot be. Each bash
// statement costs a few µs on a cold shell, per command. zsh runs these under `emulate -L zsh`,
// so the user's options (KSH_ARRAYS, SH_WORD_SPLIT, NO_UNSET) do not change how they read.
// sh keeps the typed prefix assignment: its prompt hook runs in a subshell (`PS1='$(…)'`), which
// cannot restore anything, and sh reads whole lines, so length costs it little.

import { MAX_EXEC_ENV_ENTRIES } from '../exec/options';

/**
 * Name of the saved-state array (name, how it was, old value per variable). How it was: `u` unset,
 * `s` set, `x` (zsh) or `sx` (bash: `s` and the variable's attributes) set and exported. Not exported.
 */
const SAVED = '__orchflow_saved';

// A name the hooks may set: a shell identifier that is not orchflow's own.
const NAME_CASE = `'' | [0-9]* | *[!A-Za-z0-9_]* | __orchflow*`;

/**
 * `fn` called once per `step` words of the caller's arguments, from word `from` (1-based) on, at
 * most `count` times, written out as nested `if`s: no loop a disabled `shift` could keep from
 * ending, no `set --` a disabled `set` could leave undone, and no recursion (each call one level
 * deeper, where FUNCNEST would abandon the command's whole line). A false `if` ends the walk and
 * returns 0. bash copies a function's body each time it is called, so the common case (one or two
 * variables) runs in a short function and only more variables reach the long one.
 */
function unrolled(fn: string, step: number, from: number, count: number): string {
  const calls = Array.from({ length: count }, (_, k) => {
    const first = from + k * step;
    return `  if (($# > ${first + step - 2})); then ${fn} "\${@:${first}:${step}}"\n`;
  });
  return `${calls.join('')}  ${'fi; '.repeat(count).trim()}`;
}

/**
 * How many variables the short hooks take; the long ones take the rest, called by the same caller
 * (one level deep, not two, under FUNCNEST). Exported for bash.ts's arm.
 */
export const SHORT_WALK = 2;

/**
 * `body(first)` for the first SHORT_WALK groups of `step` words, written inline (a call less per
 * variable), each nested in a test that the caller has that group: a false test ends the walk.
 */
function inlineWalk(step: number, body: (first: number) => string): string {
  let text = '';
  for (let k = SHORT_WALK - 1; k >= 0; k--) {
    const first = k * step + 1;
    text = `if (($# > ${first + step - 2})); then\n${body(first)}\n${text ? `${text}\n` : ''}fi`;
  }
  return text;
}

/**
 * bash: saves how variable `$n` was and exports it with value `$v` (`n`, `v`: positional
 * parameter numbers), unless it is orchflow's, not a shell identifier, or not a plain scalar.
 */
function bashSet(n: number, v: number): string {
  const name = `\${${n}}`;
  const saved = `"\${${SAVED}[@]}"`;
  return `case ${name} in ${NAME_CASE}) ;; *)
    [[ ! -R ${name} ]] && case \${!${n}@a} in
      '' | x)
        if [[ -v ${name} ]]; then ${SAVED}=("${name}" "s\${!${n}@a}" "\${!${n}}" ${saved}) && builtin declare -gx -- "${name}=\${${v}}"
        else builtin unset -n -- "${name}" && ${SAVED}=("${name}" u '' ${saved}) && builtin declare -gx -- "${name}=\${${v}}"; fi ;;
    esac ;;
  esac`;
}

/** bash: puts variable `$n` back as flag `$f` and old value `$o` say (positional parameter numbers). */
function bashRestore(n: number, f: number, o: number): string {
  const name = `\${${n}}`;
  return `case ${name} in ${NAME_CASE}) ;; *)
    [[ ! -R ${name} ]] && case \${!${n}@a} in
      '' | x)
        case \${${f}} in
          u) builtin unset -v -- "${name}" || builtin declare -g +x -- "${name}=" ;;
          sx) { [[ -v ${name} ]] || builtin unset -n -- "${name}"; } && builtin declare -gx -- "${name}=\${${o}}" ;;
          s) { [[ -v ${name} ]] || builtin unset -n -- "${name}"; } && builtin declare -g +x -- "${name}=\${${o}}" ;;
        esac ;;
    esac ;;
  esac`;
}

function bashFunctions(file: string): string {
  // The saved state is prepended, so the restore walks it forwards and still puts back a name's
  // oldest value last. A nameref is tested with `-R` before anything expands it (expanding one
  // named `x[$(…)]` would run that); one declared without a target (`-R` and `-v` are false for
  // it) is cleared with `unset -n` first, and nothing is set when it cannot be. Every function
  // ends with `[[ -n 0 ]]`: a failed test as its last status would fire an ERR trap.
  return `${SAVED}=()
__orchflow_env_args() {
  [[ -R ${SAVED} ]] && builtin unset -n ${SAVED}
  if [[ ! -R ${SAVED} ]]; then
    [[ \${${SAVED}@a} == a ]] || { builtin unset -v ${SAVED} && ${SAVED}=(); }
    if [[ \${${SAVED}@a} == a ]]; then
${inlineWalk(2, (first) => bashSet(first, first + 1))}
    fi
  fi
  [[ -n 0 ]]
}
__orchflow_env_more() {
  if [[ ! -R ${SAVED} ]] && [[ \${${SAVED}@a} == a ]]; then
${unrolled('__orchflow_env_set', 2, 2 * SHORT_WALK + 1, MAX_EXEC_ENV_ENTRIES - SHORT_WALK)}
  fi
  [[ -n 0 ]]
}
__orchflow_env_set() {
  ${bashSet(1, 2)}
  [[ -n 0 ]]
}
__orchflow_env_in() {
  if builtin local -a __orchflow_ls __orchflow_w && builtin local __orchflow_l __orchflow_p &&
    builtin unset -v __orchflow_ls __orchflow_w __orchflow_l __orchflow_p && [[ -f ${file} && ! -L ${file} ]]; then
    builtin mapfile -t -n ${MAX_EXEC_ENV_ENTRIES + 1} __orchflow_ls < ${file}
    for __orchflow_l in "\${__orchflow_ls[@]}"; do
      [[ $__orchflow_l == . ]] && __orchflow_p=.
      [[ -z $__orchflow_p && $__orchflow_l == *=* ]] && __orchflow_w+=("\${__orchflow_l%%=*}" "\${__orchflow_l#*=}")
    done
    __orchflow_env_args "\${__orchflow_w[@]}"
    if ((\${#__orchflow_w[@]} > ${2 * SHORT_WALK + 1})); then __orchflow_env_more "\${__orchflow_w[@]}"; fi
  fi
  [[ -n 0 ]]
}
__orchflow_env_out() {
${inlineWalk(3, (first) => bashRestore(first, first + 1, first + 2))}
  [[ -n 0 ]]
}
__orchflow_env_out_more() {
${unrolled('__orchflow_env_restore', 3, 3 * SHORT_WALK + 1, MAX_EXEC_ENV_ENTRIES - SHORT_WALK)}
  [[ -n 0 ]]
}
__orchflow_env_restore() {
  ${bashRestore(1, 2, 3)}
  [[ -n 0 ]]
}`;
}

/**
 * The prompt hook's part (bash): puts back what the command's variables replaced. The saved
 * state is only read, and only cleared, while it is a plain array (a command may have made it a
 * nameref, whose expansion could run what its target's subscript holds).
 */
export const BASH_ENV_RESTORE = `[[ ! -R ${SAVED} ]] && ((\${#${SAVED}[@]})) && [[ \${${SAVED}@a} == a ]] && {
    __orchflow_env_out "\${${SAVED}[@]}"
    if ((\${#${SAVED}[@]} > ${3 * SHORT_WALK + 2})); then __orchflow_env_out_more "\${${SAVED}[@]}"; fi
    ${SAVED}=()
  }`;

function zshFunctions(file: string): string {
  // ${(tP)n}: the type of the variable named by n ('' when unset); only plain scalars are touched.
  // The walk is by index (a disabled `shift` cannot keep it from ending), and the saved state must
  // be a plain array (an association would make every assignment to it fail) or nothing is set.
  return `typeset -ga ${SAVED}=()
__orchflow_env_args() {
  emulate -L zsh
  local __orchflow_n
  local -i __orchflow_i
  [[ \${(t)${SAVED}} == array ]] || { builtin unset ${SAVED} && typeset -ga ${SAVED}=(); }
  [[ \${(t)${SAVED}} == array ]] || argv=()
  for ((__orchflow_i = 1; __orchflow_i < $# && __orchflow_i < ${2 * MAX_EXEC_ENV_ENTRIES}; __orchflow_i += 2)); do
    __orchflow_n=\${argv[__orchflow_i]}
    case $__orchflow_n in (${NAME_CASE}) ;; (*)
      case \${(tP)__orchflow_n} in
        ('') ${SAVED}+=("$__orchflow_n" u '') ;;
        (scalar) ${SAVED}+=("$__orchflow_n" s "\${(P)__orchflow_n}") ;;
        (scalar-export) ${SAVED}+=("$__orchflow_n" x "\${(P)__orchflow_n}") ;;
        (*) __orchflow_n= ;;
      esac
      [[ -n $__orchflow_n ]] && typeset -gx "$__orchflow_n=\${argv[__orchflow_i + 1]}" ;;
    esac
  done
}
__orchflow_env_in() {
  emulate -L zsh
  local -a __orchflow_ls
  local __orchflow_l
  [[ -f ${file} && ! -L ${file} ]] || return 0
  while IFS= read -r __orchflow_l && [[ $__orchflow_l != . ]]; do
    [[ $__orchflow_l == *=* ]] && __orchflow_ls+=("\${__orchflow_l%%=*}" "\${__orchflow_l#*=}")
  done < ${file}
  __orchflow_env_args "\${__orchflow_ls[@]}"
}
__orchflow_env_out() {
  emulate -L zsh
  local -i __orchflow_i
  local __orchflow_n __orchflow_f
  for ((__orchflow_i = \${#${SAVED}} - 2; __orchflow_i >= 1; __orchflow_i -= 3)); do
    __orchflow_n=\${${SAVED}[__orchflow_i]}
    __orchflow_f=\${${SAVED}[__orchflow_i + 1]}
    case $__orchflow_n in (${NAME_CASE}) ;; (*)
      case \${(tP)__orchflow_n} in
        ('' | scalar | scalar-export)
          case $__orchflow_f in
            (u) builtin unset "$__orchflow_n" || typeset -g +x "$__orchflow_n=" ;;
            (x) typeset -gx "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
            (s) typeset -g +x "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
          esac ;;
      esac ;;
    esac
  done
  ${SAVED}=()
}`;
}

// Stands for the quoted directory in the functions generated once per shell: generating them
// took ~20 KB of short-lived strings per spawn. A NUL cannot be in an rc file's text otherwise.
const DIR_MARK = '\0dir\0';
const generated: { bash?: string; zsh?: string } = {};

/** `__orchflow_env_in <n>` and `__orchflow_env_out` for `shell`, reading files in `dir`. */
export function commandEnvFunctions(shell: 'bash' | 'zsh', dir: string): string {
  let text = generated[shell];
  if (text === undefined) {
    const file = `'${DIR_MARK}'/env-"$1"`;
    text = shell === 'bash' ? bashFunctions(file) : zshFunctions(file);
    generated[shell] = text;
  }
  const quoted = dir.replaceAll("'", "'\\''");
  // A function, so `$&` or `$'` in the directory's name is not read as a replacement pattern.
  return text.replaceAll(DIR_MARK, () => quoted);
}

/**
 * The file lines for `env` (names and values already checked by checkExecEnv), ended by a `.`
 * line: the file is rewritten in place without truncating it, and readers stop there.
 */
export function commandEnvFile(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([name, value]) => `${name}=${value}\n`);
  return `${lines.join('')}.\n`;
}
