// The generated bash rc: prompt hooks that emit shell-integration markers. bash runs with
// `--noprofile --rcfile <this file> -i`, so the user's startup files are not read and the shell
// starts the same way on every machine.
import { MARKER_PREFIX } from './marker-format';

/** The rc script for bash; `nonce` goes into an unexported variable. */
export function bashRcScript(nonce: string): string {
  const esc = (s: string): string => s.replace('\x1b', '\\e').replace('\x07', '\\a');
  const start = esc(`${MARKER_PREFIX}C;`);
  const done = esc(`${MARKER_PREFIX}D;`);
  const ready = esc(`${MARKER_PREFIX}A;`);
  return `# orchflow shell integration for bash (generated; deleted when the terminal exits)
set +o history
set +o histexpand
unset HISTFILE
bind 'set enable-bracketed-paste off' 2>/dev/null
__orchflow_nonce=${nonce}
__orchflow_ready='\\[${ready}'"$__orchflow_nonce"'\\a\\]'
__orchflow_encode_cwd() {
  local LC_ALL=C s=$PWD c i
  __orchflow_cwd=
  for ((i = 0; i < \${#s}; i++)); do
    c=\${s:i:1}
    case $c in
      [a-zA-Z0-9/._~-]) __orchflow_cwd+=$c ;;
      *) printf -v c '%%%02X' "'$c"; __orchflow_cwd+=$c ;;
    esac
  done
}
__orchflow_prompt() {
  local status=$?
  __orchflow_encode_cwd
  printf '${done}%s;%s;%s\\a' "$__orchflow_nonce" "$status" "$__orchflow_cwd"
  # Re-arm on every prompt: commands such as venv's activate rewrite PS0/PS1.
  PS0='${start}'"$__orchflow_nonce"'\\a'
  case $PS1 in *"$__orchflow_ready"*) ;; *) PS1=$__orchflow_ready$PS1 ;; esac
}
PROMPT_COMMAND=__orchflow_prompt
PS1='\\$ '
`;
}
