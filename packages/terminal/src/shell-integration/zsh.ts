// The generated zsh startup file: precmd/preexec hooks that emit shell-integration markers. zsh
// runs with ZDOTDIR pointing at a private directory holding this as `.zshrc`, and `-d` so the
// global rc files do not add prompt themes or key bindings.
import { MARKER_PREFIX } from './marker-format';

/** Name of the env variable that carries the user's own ZDOTDIR past ours (restored in the rc). */
export const USER_ZDOTDIR_VAR = 'ORCHFLOW_USER_ZDOTDIR';

/** The `.zshrc` for zsh; `nonce` goes into an unexported variable. */
export function zshRcScript(nonce: string): string {
  const esc = (s: string): string => s.replace('\x1b', '\\e').replace('\x07', '\\a');
  const start = esc(`${MARKER_PREFIX}C;`);
  const done = esc(`${MARKER_PREFIX}D;`);
  const ready = esc(`${MARKER_PREFIX}A;`);
  return `# orchflow shell integration for zsh (generated; deleted when the terminal exits)
if [[ -n \${${USER_ZDOTDIR_VAR}+x} ]]; then ZDOTDIR=$${USER_ZDOTDIR_VAR}; else unset ZDOTDIR; fi
unset ${USER_ZDOTDIR_VAR} HISTFILE
unsetopt BANG_HIST PROMPT_SP BEEP
unset zle_bracketed_paste
typeset -g __orchflow_nonce=${nonce}
typeset -g __orchflow_ready=$'%{${ready}'"$__orchflow_nonce"$'\\a%}'
__orchflow_encode_cwd() {
  emulate -L zsh
  local LC_ALL=C s=$PWD c i
  typeset -g __orchflow_cwd=
  for ((i = 1; i <= \${#s}; i++)); do
    c=\${s[i]}
    case $c in
      ([a-zA-Z0-9/._~-]) __orchflow_cwd+=$c ;;
      (*) printf -v c '%%%02X' "'$c"; __orchflow_cwd+=$c ;;
    esac
  done
}
__orchflow_precmd() {
  local s=$?
  __orchflow_encode_cwd
  printf '${done}%s;%s;%s\\a' "$__orchflow_nonce" "$s" "$__orchflow_cwd"
  # Re-arm on every prompt: prompt themes and venv's activate rewrite PS1.
  [[ $PS1 == *"$__orchflow_ready"* ]] || PS1=$__orchflow_ready$PS1
}
__orchflow_preexec() { printf '${start}%s\\a' "$__orchflow_nonce"; }
precmd_functions=(__orchflow_precmd $precmd_functions)
preexec_functions=(__orchflow_preexec $preexec_functions)
PS1=$__orchflow_ready'%# '
`;
}
