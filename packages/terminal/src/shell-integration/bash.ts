// The generated bash rc: prompt hooks that emit shell-integration markers. bash runs with
// `--noprofile --rcfile <this file> -i`, so the user's startup files are not read and the shell
// starts the same way on every machine. The file holds no secret: the key is read from the
// terminal at startup and written into the hook functions' bodies (see defineWithKey).
//
// - PROMPT_COMMAND runs `__orchflow_prompt "$?"`, which prints the done marker (that status — an
//   argument, so no variable of the hook's can clash with one a command's env sets —, cwd, the
//   command's token) just before each prompt. PROMPT_COMMAND and the functions are readonly, so a
//   command can neither remove nor redefine them; they are called inside `{ …; } 2>/dev/null`, so
//   `set -x` does not even trace the call.
// - Every typed command line starts with `__orchflow_arm <token> [<traceparent>] [<n> | NAME
//   value…]`, which takes the command's token, exports the command's own variables (typed after
//   it, or from env file <n>; see command-env), and prints the keyed start marker. The prompt hook
//   restores what those variables replaced. A traceparent there is noted for the line's
//   `TRACEPARENT=$__orchflow_tp command eval` prefix (encode.ts) and for the prompt hook.
// - Hooks call `builtin printf`/`builtin set`, so user functions named `printf` change nothing,
//   and run with allexport/xtrace/errexit/nounset off (`local -`): under `set -a` the token the
//   arm assigns would otherwise be exported to every later program.

import { BASH_ENV_RESTORE, commandEnvFunctions, SHORT_WALK } from './command-env';
import { MarkerKind } from './marker-format';
import { defineWithKey, encodeCwdFunction, markerFormat, TOKEN_VAR } from './rc-snippets';

/**
 * Where the arm keeps the traceparent a command gets as a prefix assignment: the line's
 * `TRACEPARENT=$__orchflow_tp command eval` (encode.ts) expands it, so the value is typed once.
 * The prompt hook needs it too: a top-level `declare -x TRACEPARENT` (or `typeset -x`) in the
 * command copies bash's temporary value into a global, which must not reach the next command.
 * That copy, and only it, holds this value (a fresh span id); the hook unsets it. Compared
 * lowercased (`declare -u` before).
 */
export const TRACEPARENT_VAR = '__orchflow_tp';

const HOOKS = `__orchflow_prompt() {
  builtin local -
  builtin set +aeux
  ${BASH_ENV_RESTORE}
  if [[ -n $${TRACEPARENT_VAR} ]]; then
    if [[ ! -R TRACEPARENT && \${TRACEPARENT,,} == "$${TRACEPARENT_VAR}" ]]; then builtin unset -v TRACEPARENT; fi
    ${TRACEPARENT_VAR}=
  fi
  __orchflow_encode_cwd
  builtin printf '${markerFormat(MarkerKind.Done)}' "$${TOKEN_VAR}" "$1" "$__orchflow_cwd"
}
__orchflow_arm() {
  builtin local -
  builtin set +aeux
  case $1 in '' | *[!0-9a-f]*) ;; *) ${TOKEN_VAR}=$1 ;; esac
  case $2 in
    '') ;;
    [0-9a-f][0-9a-f]-*)
      ${TRACEPARENT_VAR}=$2
      if [[ -n $3 ]]; then
        __orchflow_env_args "\${@:3}"
        if (($# > ${2 * SHORT_WALK + 3})); then __orchflow_env_more "\${@:3}"; fi
      fi ;;
    *[!0-9]*)
      __orchflow_env_args "\${@:2}"
      if (($# > ${2 * SHORT_WALK + 2})); then __orchflow_env_more "\${@:2}"; fi ;;
    *) __orchflow_env_in "$2" ;;
  esac
  builtin printf '${markerFormat(MarkerKind.Start)}' "$${TOKEN_VAR}"
}`;

/**
 * The rc script for bash; `dir` is the terminal's private directory (command env files).
 * Bracketed paste is turned off only where readline runs (`emacs` or `vi` set): `bind` starts
 * readline even under `--noediting` (reading terminfo), ~0.4 ms of the shell's CPU per spawn.
 */
export function bashRcScript(dir: string): string {
  return `# orchflow shell integration for bash (generated; deleted when the terminal exits)
set +o history
set +o histexpand
unset HISTFILE
[[ -o emacs || -o vi ]] && bind 'set enable-bracketed-paste off' 2>/dev/null
${TOKEN_VAR}=0
${encodeCwdFunction('bash')}
${commandEnvFunctions('bash', dir)}
${defineWithKey('bash', HOOKS)}
builtin readonly -f __orchflow_prompt __orchflow_arm __orchflow_encode_cwd __orchflow_env_args __orchflow_env_more __orchflow_env_set __orchflow_env_in __orchflow_env_out __orchflow_env_out_more __orchflow_env_restore
PROMPT_COMMAND='{ __orchflow_prompt "$?"; } 2>/dev/null'
builtin readonly PROMPT_COMMAND
PS1='\\$ '
`;
}
