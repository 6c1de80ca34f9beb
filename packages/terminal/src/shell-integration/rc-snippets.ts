// Pieces of generated rc scripts that every shell kind shares or varies only slightly: marker
// text in a form each shell's `printf` and prompt expansion understand, and the function that
// percent-encodes the cwd for the "done" marker. One place, so the three rc scripts cannot drift.
import { MARKER_PREFIX, type MarkerKind } from './marker-format';

type Kind = (typeof MarkerKind)[keyof typeof MarkerKind];

/**
 * `ESC ] 633 ; <kind> ; <nonce>` with ESC written as `\033`: a form that bash, zsh and dash
 * `printf` formats, bash prompt strings and bash/zsh `$'…'` quoting all decode to the same bytes.
 * The nonce is written into the text itself, so unsetting a shell variable cannot break markers.
 */
export function markerText(kind: Kind, nonce: string): string {
  return `${octalEscape(MARKER_PREFIX)}${kind};${nonce}`;
}

/** The BEL that ends a marker, written the same portable way. */
export const MARKER_END = '\\007';

function octalEscape(s: string): string {
  return s.replaceAll('\x1b', '\\033').replaceAll('\x07', '\\007');
}

/**
 * A shell function `__orchflow_encode_cwd` that sets `__orchflow_cwd` to `$PWD` with every byte
 * outside `[A-Za-z0-9/._~-]` as `%XX` (see decodeCwdField). bash and zsh loop over the bytes in
 * the shell (no fork per prompt); POSIX sh has no byte access and uses `od`. `printf` is the
 * builtin (`builtin`/`command`), so a user function shadowing it changes nothing.
 */
export function encodeCwdFunction(shell: 'bash' | 'zsh' | 'sh'): string {
  if (shell === 'sh') {
    return `__orchflow_encode_cwd() {
  case $PWD in
    *[!A-Za-z0-9/._~-]*) __orchflow_cwd=$(command printf '%s' "$PWD" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../%&/g') ;;
    *) __orchflow_cwd=$PWD ;;
  esac
}`;
  }
  if (shell === 'bash') {
    return `__orchflow_encode_cwd() {
  local LC_ALL=C s=$PWD c i
  __orchflow_cwd=
  for ((i = 0; i < \${#s}; i++)); do
    c=\${s:i:1}
    case $c in
      [a-zA-Z0-9/._~-]) __orchflow_cwd+=$c ;;
      *) builtin printf -v c '%%%02X' "'$c"; __orchflow_cwd+=$c ;;
    esac
  done
}`;
  }
  // zsh indexes from 1, and `emulate -L zsh` keeps user options (KSH_ARRAYS, …) out of the loop.
  return `__orchflow_encode_cwd() {
  emulate -L zsh
  local LC_ALL=C s=$PWD c i
  typeset -g __orchflow_cwd=
  for ((i = 1; i <= \${#s}; i++)); do
    c=\${s[i]}
    case $c in
      ([a-zA-Z0-9/._~-]) __orchflow_cwd+=$c ;;
      (*) builtin printf -v c '%%%02X' "'$c"; __orchflow_cwd+=$c ;;
    esac
  done
}`;
}
