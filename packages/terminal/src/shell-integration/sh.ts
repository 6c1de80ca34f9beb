// The generated rc for POSIX sh (dash, ash, ksh, bash as sh), read through $ENV. sh has no
// command hooks, so each command line is wrapped:
//   { __orchflow_arm; } 2>/dev/null; eval '…'; { __orchflow_rearm $?; } 2>/dev/null
// `__orchflow_arm` prints the start marker, and PS1 — which POSIX shells expand before every
// prompt — prints the done marker with `$?` and then the prompt-ready marker. Emitting "done" from
// PS1 rather than from the wrapper matters: dash abandons the rest of a line after a syntax error,
// and the prompt still comes. The trailing `__orchflow_rearm` puts our part back into a PS1 the
// command replaced (`PS1='$ '`), passing `$?` through. The `{ …; } 2>/dev/null` groups keep
// `set -x` traces of the hooks out of the output, and `command printf` ignores user functions.
import { MarkerKind } from './marker-format';
import { encodeCwdFunction, MARKER_END, markerText } from './rc-snippets';

/** The $ENV script for sh; `nonce` is written into the hook functions. */
export function shRcScript(nonce: string): string {
  const start = `${markerText(MarkerKind.Start, nonce)}${MARKER_END}`;
  const done = `${markerText(MarkerKind.Done, nonce)};%s;%s${MARKER_END}`;
  const ready = `${markerText(MarkerKind.Prompt, nonce)}${MARKER_END}`;
  return `# orchflow shell integration for sh (generated; deleted when the terminal exits)
unset ENV HISTFILE
${encodeCwdFunction('sh')}
__orchflow_prompt() {
  __orchflow_encode_cwd
  command printf '${done}${ready}' "$1" "$__orchflow_cwd"
}
__orchflow_rearm() {
  case \${PS1-} in
    *__orchflow_prompt*) ;;
    *) PS1='$( { __orchflow_prompt $?; } 2>/dev/null)'\${PS1-} ;;
  esac
  return "\${1:-0}"
}
__orchflow_arm() {
  __orchflow_rearm
  command printf '${start}'
}
PS1='$( { __orchflow_prompt $?; } 2>/dev/null)'
PS2=
`;
}
