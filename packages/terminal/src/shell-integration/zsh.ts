// The generated zsh startup file: precmd/preexec hooks that emit shell-integration markers. zsh
// runs with ZDOTDIR pointing at a private directory holding this as `.zshrc`, and `-d` so the
// global rc files do not add prompt themes or key bindings.
//
// As in bash: hooks are restored only where missing (`__orchflow_rearm`, run by every hook and by
// `{ __orchflow_arm; } 2>/dev/null` at the start of each typed command line, which also prints
// the start marker), and `builtin printf` ignores user functions. zsh writes xtrace output past
// any redirection, so each hook's first statement switches xtrace off *while it is expanded*
// (`${options[xtrace]::=off}`, with LOCAL_OPTIONS on): not even that statement is traced.
import { MarkerKind } from './marker-format';
import { encodeCwdFunction, MARKER_END, markerText } from './rc-snippets';

/** Name of the env variable that carries the user's own ZDOTDIR past ours (restored in the rc). */
export const USER_ZDOTDIR_VAR = 'ORCHFLOW_USER_ZDOTDIR';

// Expands to nothing useful; assigning while expanding makes the options local and switches off
// xtrace, errexit and nounset before the statement holding it could be traced.
const QUIET = `__orchflow_o=\${options[localoptions]::=on}\${options[xtrace]::=off}\${options[errexit]::=off}\${options[nounset]::=off}`;

/** The `.zshrc` for zsh; `nonce` is written into the hook functions. */
export function zshRcScript(nonce: string): string {
  const start = `$'${markerText(MarkerKind.Start, nonce)}${MARKER_END}'`;
  const ready = `$'%{${markerText(MarkerKind.Prompt, nonce)}${MARKER_END}%}'`;
  const done = `${markerText(MarkerKind.Done, nonce)};%s;%s${MARKER_END}`;
  return `# orchflow shell integration for zsh (generated; deleted when the terminal exits)
if [[ -n \${${USER_ZDOTDIR_VAR}+x} ]]; then ZDOTDIR=$${USER_ZDOTDIR_VAR}; else unset ZDOTDIR; fi
unset ${USER_ZDOTDIR_VAR} HISTFILE
unsetopt BANG_HIST PROMPT_SP BEEP
unset zle_bracketed_paste
${encodeCwdFunction('zsh')}
__orchflow_rearm() {
  (( \${precmd_functions[(Ie)__orchflow_precmd]} )) || precmd_functions=(__orchflow_precmd $precmd_functions)
  (( \${preexec_functions[(Ie)__orchflow_preexec]} )) || preexec_functions=(__orchflow_preexec $preexec_functions)
  [[ \${PS1-} == *${ready}* ]] || PS1=${ready}\${PS1-}
}
__orchflow_precmd() {
  local s=$? ${QUIET}
  __orchflow_encode_cwd
  builtin printf '${done}' "$s" "$__orchflow_cwd"
  __orchflow_rearm
}
__orchflow_preexec() {
  local ${QUIET}
  __orchflow_rearm
  builtin printf '%s' ${start}
}
__orchflow_arm() {
  local ${QUIET}
  __orchflow_rearm
  builtin printf '%s' ${start}
}
precmd_functions=(__orchflow_precmd $precmd_functions)
preexec_functions=(__orchflow_preexec $preexec_functions)
PS1=${ready}'%# '
`;
}
