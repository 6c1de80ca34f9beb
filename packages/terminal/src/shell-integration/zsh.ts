// The generated zsh startup file: precmd/preexec hooks that emit shell-integration markers. zsh
// runs with ZDOTDIR pointing at a private directory holding this as `.zshrc`, and `-d` so the
// global rc files do not add prompt themes or key bindings. The file holds no secret: the key is
// read from the terminal at startup and written into the hook functions' bodies (see
// defineWithKey).
//
// As in bash: precmd prints the done marker, preexec and `__orchflow_arm <token>` (at the start
// of each typed command line) the keyed start marker; the hook arrays are readonly, so a command
// cannot take the hooks out; `builtin printf` ignores user functions. zsh writes xtrace output
// past any redirection, so each hook's first statement switches xtrace off *while it is expanded*
// (`${options[xtrace]::=off}`, with LOCAL_OPTIONS on): not even that statement is traced.

import { commandEnvFunctions } from './command-env';
import { MarkerKind } from './marker-format';
import { defineWithKey, encodeCwdFunction, markerFormat, TOKEN_VAR } from './rc-snippets';

/** Name of the env variable that carries the user's own ZDOTDIR past ours (restored in the rc). */
export const USER_ZDOTDIR_VAR = 'ORCHFLOW_USER_ZDOTDIR';

// Expands to nothing useful; assigning while expanding makes the options local and switches off
// allexport, xtrace, errexit and nounset before the statement holding it could be traced.
const QUIET = `__orchflow_o=\${options[localoptions]::=on}\${options[allexport]::=off}\${options[xtrace]::=off}\${options[errexit]::=off}\${options[nounset]::=off}`;

const START = `builtin printf '${markerFormat(MarkerKind.Start)}' "$${TOKEN_VAR}"`;

const HOOKS = `__orchflow_precmd() {
  local __orchflow_s=$? ${QUIET}
  ((\${#__orchflow_saved[@]})) && [[ \${(t)__orchflow_saved} == array ]] && __orchflow_env_out
  __orchflow_encode_cwd
  builtin printf '${markerFormat(MarkerKind.Done)}' "$${TOKEN_VAR}" "$__orchflow_s" "$__orchflow_cwd"
}
__orchflow_preexec() {
  local ${QUIET}
  ${START}
}
__orchflow_arm() {
  local ${QUIET}
  [[ -n $1 && $1 != *[^0-9a-f]* ]] && typeset -g ${TOKEN_VAR}=$1
  if [[ -n $2 && $2 != *[^0-9]* ]]; then __orchflow_env_in "$2"
  elif [[ -n $2 ]]; then __orchflow_env_args "\${(@)argv[2,-1]}"; fi
  ${START}
}`;

/** The `.zshrc` for zsh. */
export function zshRcScript(dir: string): string {
  return `# orchflow shell integration for zsh (generated; deleted when the terminal exits)
if [[ -n \${${USER_ZDOTDIR_VAR}+x} ]]; then ZDOTDIR=$${USER_ZDOTDIR_VAR}; else unset ZDOTDIR; fi
unset ${USER_ZDOTDIR_VAR} HISTFILE
unsetopt BANG_HIST PROMPT_SP BEEP
unset zle_bracketed_paste
typeset -g ${TOKEN_VAR}=0
${encodeCwdFunction('zsh')}
${commandEnvFunctions('zsh', dir)}
${defineWithKey('zsh', HOOKS)}
typeset -gr precmd_functions=(__orchflow_precmd $precmd_functions)
typeset -gr preexec_functions=(__orchflow_preexec $preexec_functions)
PS1='%# '
`;
}
