// Hook functions that give one command its own environment (`ExecOptions.env`, e.g. a traced
// command's TRACEPARENT) in bash and zsh. `__orchflow_env_args NAME=value…` exports each variable
// and remembers what it replaced (unset, set, or set and exported), and the prompt hook puts that
// back before the done marker, so the shell and the next command never see the variables, as
// with a prefix assignment. The arm passes it the words typed after the token (a shell without a
// line editor reads the whole line at once), or, as `__orchflow_env_in <n>`, the lines of the
// private file `<dir>/env-<n>` up to a `.` line (a line editor reads typed characters one at a
// time, ~7 µs each; reading the file is one builtin and no fork).
// The file and the shell's variables are the terminal's, so a command could have changed them:
// only a regular file is read, names are checked again, and a variable that is not a plain scalar
// (readonly, integer, array, a bash nameref — assigning to those can fail the whole line in zsh or
// evaluate code in bash) is left alone, on the way in and on the way back. Values are assigned,
// never evaluated; nothing here `eval`s a variable; `continue` and `break` are not used and
// `return` only as `builtin return` (a function may shadow them in bash), and nothing relies on it
// working (`enable -n return`): the walk over the env file's lines stops at the `.` line by making
// every later name one that is skipped. bash's locals are unset right after `local` (with
// `shopt -s localvar_inherit` they would take a global's attributes, `-i` evaluating what is
// assigned), and the saved-state array is made a plain array again, or nothing is set when it
// cannot be. Each bash statement costs a few µs on a cold shell, per command. zsh runs these
// under `emulate -L zsh`, so the user's options (KSH_ARRAYS, SH_WORD_SPLIT, NO_UNSET) do not change
// how they read.
// sh keeps the typed prefix assignment: its prompt hook runs in a subshell (`PS1='$(…)'`), which
// cannot restore anything, and sh reads whole lines, so length costs it little.

/**
 * Name of the saved-state array (name, how it was, old value per variable). How it was: `u` unset,
 * `s` set, `x` (zsh) or `sx` (bash: `s` and the variable's attributes) set and exported. Not exported.
 */
const SAVED = '__orchflow_saved';

// A name the file may set: a shell identifier that is not orchflow's own.
const NAME_CASE = `'' | [0-9]* | *[!A-Za-z0-9_]* | __orchflow*`;

function bashFunctions(file: string): string {
  return `${SAVED}=()
__orchflow_env_args() {
  builtin local __orchflow_l __orchflow_n __orchflow_p
  builtin unset -v __orchflow_l __orchflow_n __orchflow_p
  [[ \${${SAVED}@a} == a && ! -R ${SAVED} ]] || { builtin unset -v ${SAVED}; ${SAVED}=(); }
  [[ \${${SAVED}@a} == a && ! -R ${SAVED} ]] || __orchflow_p=__orchflow
  for __orchflow_l; do
    [[ $__orchflow_l == . ]] && __orchflow_p=__orchflow
    __orchflow_n=$__orchflow_p\${__orchflow_l%%=*}
    case $__orchflow_n in ${NAME_CASE}) ;; *)
      [[ $__orchflow_n != "$__orchflow_l" && ! -R $__orchflow_n ]] && case \${!__orchflow_n@a} in
        '' | x)
          if [[ -v $__orchflow_n ]]; then ${SAVED}+=("$__orchflow_n" "s\${!__orchflow_n@a}" "\${!__orchflow_n}")
          else ${SAVED}+=("$__orchflow_n" u ''); fi
          builtin declare -gx "$__orchflow_n=\${__orchflow_l#*=}" ;;
      esac ;;
    esac
  done
  [[ -n 0 ]]
}
__orchflow_env_in() {
  builtin local -a __orchflow_ls
  builtin unset -v __orchflow_ls
  if [[ -f ${file} && ! -L ${file} ]]; then
    builtin mapfile -t __orchflow_ls < ${file}
    __orchflow_env_args "\${__orchflow_ls[@]}"
  fi
}
__orchflow_env_out() {
  builtin local __orchflow_i __orchflow_n __orchflow_f __orchflow_a
  builtin unset -v __orchflow_i __orchflow_n __orchflow_f __orchflow_a
  for ((__orchflow_i = \${#${SAVED}[@]} - 3; __orchflow_i >= 0; __orchflow_i -= 3)); do
    __orchflow_n=\${${SAVED}[__orchflow_i]}
    __orchflow_f=\${${SAVED}[__orchflow_i + 1]}
    case $__orchflow_n in ${NAME_CASE}) ;; *)
      if [[ ! -R $__orchflow_n ]]; then
        __orchflow_a=\${!__orchflow_n@a}
        if [[ $__orchflow_a == '' || $__orchflow_a == x ]]; then
          case $__orchflow_f in
            u) builtin unset -v "$__orchflow_n" ;;
            sx) builtin declare -gx "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
            s) builtin declare -g +x "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
          esac
        fi
      fi ;;
    esac
  done
  ${SAVED}=()
}`;
}

function zshFunctions(file: string): string {
  // ${(tP)n}: the type of the variable named by n ('' when unset); only plain scalars are touched.
  return `typeset -ga ${SAVED}=()
__orchflow_env_args() {
  emulate -L zsh
  local __orchflow_l __orchflow_n
  while (( $# )) && [[ $1 != . ]]; do
    __orchflow_l=$1
    builtin shift
    __orchflow_n=\${__orchflow_l%%=*}
    [[ $__orchflow_n == "$__orchflow_l" ]] && __orchflow_n=
    case $__orchflow_n in (${NAME_CASE}) ;; (*)
      case \${(tP)__orchflow_n} in
        ('') ${SAVED}+=("$__orchflow_n" u '') ;;
        (scalar) ${SAVED}+=("$__orchflow_n" s "\${(P)__orchflow_n}") ;;
        (scalar-export) ${SAVED}+=("$__orchflow_n" x "\${(P)__orchflow_n}") ;;
        (*) __orchflow_n= ;;
      esac
      [[ -n $__orchflow_n ]] && typeset -gx "$__orchflow_n=\${__orchflow_l#*=}" ;;
    esac
  done
}
__orchflow_env_in() {
  emulate -L zsh
  local -a __orchflow_ls
  local __orchflow_l
  [[ -f ${file} && ! -L ${file} ]] || return 0
  while IFS= read -r __orchflow_l && [[ $__orchflow_l != . ]]; do __orchflow_ls+=("$__orchflow_l"); done < ${file}
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
            (u) unset "$__orchflow_n" ;;
            (x) typeset -gx "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
            (s) typeset -g +x "$__orchflow_n=\${${SAVED}[__orchflow_i + 2]}" ;;
          esac ;;
      esac ;;
    esac
  done
  ${SAVED}=()
}`;
}

/** `__orchflow_env_in <n>` and `__orchflow_env_out` for `shell`, reading files in `dir`. */
export function commandEnvFunctions(shell: 'bash' | 'zsh', dir: string): string {
  const file = `'${dir.replaceAll("'", "'\\''")}'/env-"$1"`;
  return shell === 'bash' ? bashFunctions(file) : zshFunctions(file);
}

/**
 * The file lines for `env` (names and values already checked by checkExecEnv), ended by a `.`
 * line: the file is rewritten in place without truncating it, and readers stop there.
 */
export function commandEnvFile(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([name, value]) => `${name}=${value}\n`);
  return `${lines.join('')}.\n`;
}
