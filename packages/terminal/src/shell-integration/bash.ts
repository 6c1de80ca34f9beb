// The generated bash rc: prompt hooks that emit shell-integration markers. bash runs with
// `--noprofile --rcfile <this file> -i`, so the user's startup files are not read and the shell
// starts the same way on every machine.
//
// Robustness rules, each for a failure seen in practice:
// - PS0/PS1/PROMPT_COMMAND are assigned only when they lack our part: bash 5.2 prints garbage
//   instead of a PS0 that is re-assigned after a parse error inside `eval`.
// - Every typed command line starts with `{ __orchflow_arm; } 2>/dev/null`, which restores hooks a
//   previous command removed (`PROMPT_COMMAND=`) and prints the start marker itself, so a broken
//   PS0 cannot lose it. PS0 still prints one for commands typed by hand.
// - Hooks call `builtin printf`/`builtin set`, so user functions named `printf` change nothing,
//   and run with xtrace/errexit/nounset off (`local -`). Their calls sit in `{ …; } 2>/dev/null`
//   groups, so `set -x` does not even trace the call itself.
import { MarkerKind } from './marker-format';
import { encodeCwdFunction, MARKER_END, markerText } from './rc-snippets';

/** The rc script for bash; `nonce` is written into the hook functions. */
export function bashRcScript(nonce: string): string {
  const start = `$'${markerText(MarkerKind.Start, nonce)}${MARKER_END}'`;
  const ready = `$'${markerText(MarkerKind.Prompt, nonce)}${MARKER_END}'`;
  const done = `${markerText(MarkerKind.Done, nonce)};%s;%s${MARKER_END}`;
  return `# orchflow shell integration for bash (generated; deleted when the terminal exits)
set +o history
set +o histexpand
unset HISTFILE
bind 'set enable-bracketed-paste off' 2>/dev/null
${encodeCwdFunction('bash')}
__orchflow_rearm() {
  case \${PS0-} in *${start}*) ;; *) PS0=${start}\${PS0-} ;; esac
  case \${PS1-} in *${ready}*) ;; *) PS1='\\['${ready}'\\]'\${PS1-} ;; esac
  case \${PROMPT_COMMAND-} in
    *__orchflow_prompt*) ;;
    *) PROMPT_COMMAND="{ __orchflow_prompt; } 2>/dev/null\${PROMPT_COMMAND:+; $PROMPT_COMMAND}" ;;
  esac
}
__orchflow_prompt() {
  builtin local s=$?
  builtin local -
  builtin set +eux
  __orchflow_encode_cwd
  builtin printf '${done}' "$s" "$__orchflow_cwd"
  __orchflow_rearm
}
__orchflow_arm() {
  builtin local -
  builtin set +eux
  __orchflow_rearm
  builtin printf '%s' ${start}
}
PROMPT_COMMAND='{ __orchflow_prompt; } 2>/dev/null'
PS0=${start}
PS1='\\['${ready}'\\]\\$ '
`;
}
