// The generated rc for POSIX sh (dash, ash, ksh, bash as sh), read through $ENV. sh has no
// command hooks, so each command line is wrapped:
//   { __orchflow_arm <token>; } 2>/dev/null; eval '…'
// `__orchflow_arm` takes the command's token and prints the start marker, and PS1 — which POSIX
// shells expand before every prompt, and which is readonly here — prints the done marker with
// `$?`. Emitting "done" from PS1 rather than from the wrapper matters: dash abandons the rest of a
// line after a syntax error, and the prompt still comes. The `{ …; } 2>/dev/null` groups keep
// `set -x` traces of the hooks out of the output, and `command printf` ignores user functions. The
// file holds no secret: the key is read from the terminal at startup and written into the hook
// functions' bodies (see defineWithKey).
import { MarkerKind } from './marker-format';
import { defineWithKey, encodeCwdFunction, markerFormat, TOKEN_VAR } from './rc-snippets';

const HOOKS = `__orchflow_prompt() {
  __orchflow_encode_cwd
  command printf '${markerFormat(MarkerKind.Done)}' "$${TOKEN_VAR}" "$1" "$__orchflow_cwd"
}
__orchflow_arm() {
  case $1 in '' | *[!0-9a-f]*) ;; *) ${TOKEN_VAR}=$1 ;; esac
  command printf '${markerFormat(MarkerKind.Start)}' "$${TOKEN_VAR}"
}`;

/** The $ENV script for sh. */
export function shRcScript(): string {
  return `# orchflow shell integration for sh (generated; deleted when the terminal exits)
unset ENV HISTFILE
${TOKEN_VAR}=0
${encodeCwdFunction('sh')}
${defineWithKey('sh', HOOKS)}
PS1='$( { __orchflow_prompt $?; } 2>/dev/null)'
readonly PS1
PS2=
`;
}
