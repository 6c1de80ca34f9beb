// The generated rc for POSIX sh (dash, ash, ksh, bash as sh), read through $ENV. sh has no
// command hooks, so each command line is wrapped: `__orchflow_start; eval '…'` prints the start
// marker, and PS1 — which POSIX shells expand before every prompt — prints the done marker with
// `$?` and then the prompt-ready marker. Emitting "done" from PS1 rather than from the wrapper
// matters: dash abandons the rest of a line after a syntax error, and the prompt still comes.
import { MARKER_PREFIX } from './marker-format';

/** The $ENV script for sh; `nonce` goes into an unexported variable. */
export function shRcScript(nonce: string): string {
  const esc = (s: string): string => s.replace('\x1b', '\\033').replace('\x07', '\\007');
  const start = esc(`${MARKER_PREFIX}C;`);
  const done = esc(`${MARKER_PREFIX}D;`);
  const ready = esc(`${MARKER_PREFIX}A;`);
  return `# orchflow shell integration for sh (generated; deleted when the terminal exits)
unset ENV HISTFILE
__orchflow_nonce=${nonce}
__orchflow_start() { printf '${start}%s\\007' "$__orchflow_nonce"; }
__orchflow_prompt() {
  case $PWD in
    *[!A-Za-z0-9/._~-]*) __orchflow_cwd=$(printf '%s' "$PWD" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../%&/g') ;;
    *) __orchflow_cwd=$PWD ;;
  esac
  printf '${done}%s;%s;%s\\007${ready}%s\\007' "$__orchflow_nonce" "$1" "$__orchflow_cwd" "$__orchflow_nonce"
}
PS1='$(__orchflow_prompt $?)'
PS2=
`;
}
