// Pieces of generated rc scripts that every shell kind shares or varies only slightly: how the
// key is read from the terminal and written into the hook functions, marker text in a form each
// shell's `printf` understands, and the function that percent-encodes the cwd for the "done"
// marker. One place, so the three rc scripts cannot drift.
import { MARKER_PREFIX, MarkerKind } from './marker-format';

type Kind = (typeof MarkerKind)[keyof typeof MarkerKind];

/** Where generated hook functions say the key; replaced when the rc defines them (see defineWithKey). */
export const KEY_PLACEHOLDER = '@ORCHFLOW_KEY@';
/** The shell variable that holds the current command's token (not a secret). */
export const TOKEN_VAR = '__orchflow_t';
// Holds the key only between reading it and defining the hooks; unset right after.
const KEY_VAR = '__orchflow_k';

/** The BEL that ends a marker, written as `\007` (see markerFormat). */
export const MARKER_END = '\\007';

/**
 * `printf` format of a keyed marker of `kind`: the key is written in (as {@link KEY_PLACEHOLDER}),
 * the token (and, for "done", status and cwd) come as `%s` arguments. ESC and BEL are written as
 * `\033`/`\007`: a form bash, zsh and dash `printf` all decode to the same bytes.
 */
export function markerFormat(kind: Kind): string {
  const fields = kind === MarkerKind.Done ? '%s;%s;%s' : '%s';
  return `${octalEscape(MARKER_PREFIX)}${kind};${KEY_PLACEHOLDER};${fields}${MARKER_END}`;
}

function octalEscape(s: string): string {
  return s.replaceAll('\x1b', '\\033').replaceAll('\x07', '\\007');
}

function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Startup lines that read the key and define `functions` (shell source mentioning
 * {@link KEY_PLACEHOLDER}) with the key written into their bodies; afterwards no variable holds
 * it — a variable can be read in roundabout ways (bash arithmetic evaluates a name held in another
 * variable and prints the value in its error message), a function body only by listing functions,
 * which the command policy refuses. Echo is off while the key is read, so it never appears in the
 * output (scrollback readers would see it), and the key must be hex before it is spliced into the
 * `eval`. This runs before the first prompt, when no program of the terminal exists that could
 * read its input; the orchestrator answers only the first request. sh without a working `stty`
 * refuses to start rather than risk echoing the key.
 */
export function defineWithKey(shell: 'bash' | 'zsh' | 'sh', functions: string): string {
  const request = `${octalEscape(MARKER_PREFIX)}${MarkerKind.KeyRequest}${MARKER_END}`;
  const read = shell === 'sh' ? `read -r ${KEY_VAR}` : `builtin read -rs ${KEY_VAR}`;
  const printf = shell === 'sh' ? 'command printf' : 'builtin printf';
  const spliced = functions.split(KEY_PLACEHOLDER).map(singleQuoted).join(`"$${KEY_VAR}"`);
  // bash and zsh switch echo off in `read -s` (the orchestrator types the key only once the shell
  // is blocked in that read); dash has no -s, so it takes two stty runs.
  const [echoOff, echoOn] =
    shell === 'sh'
      ? [
          `command stty -echo 2>/dev/null || { ${printf} 'orchflow: stty -echo failed; the key would be echoed\\n'; exit 70; }\n`,
          '\ncommand stty echo 2>/dev/null',
        ]
      : ['', ''];
  return `${echoOff}${printf} '${request}'
${read}${echoOn}
case $${KEY_VAR} in '' | *[!0-9a-f]*) ${printf} 'orchflow: no shell-integration key received\\n'; exit 70 ;; esac
eval ${spliced}
unset ${KEY_VAR}`;
}

// The bytes a cwd keeps as they are, spelled out: a range such as `a-z` in a bracket expression
// follows the locale's collation, which may take in letters outside ASCII. bash's match is
// trusted only without `nocasematch`: in a UTF-8 locale it folds some other letters (the Kelvin
// sign, `İ`) to ASCII ones, and such a cwd would put bytes the marker parser refuses into the
// marker; the byte loop runs in the C locale.
const CWD_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._~-';

/**
 * A shell function `__orchflow_encode_cwd` that sets `__orchflow_cwd` to `$PWD` with every byte
 * outside `[A-Za-z0-9/._~-]` as `%XX` (see decodeCwdField). bash and zsh take a path without
 * such a byte as it is (one pattern match; their loop costs ~5 µs a character at every prompt)
 * and loop over the bytes of any other in the shell (no fork per prompt); POSIX sh has no byte
 * access and uses `od`. `printf` is the builtin (`builtin`/`command`), so a user function
 * shadowing it changes nothing.
 */
export function encodeCwdFunction(shell: 'bash' | 'zsh' | 'sh'): string {
  // A cwd over 4096 bytes is left out (the orchestrator reads the cwd from /proc anyway): the
  // marker then stays one short write that no other program's output can land inside. bash and
  // zsh count characters in `\${#PWD}` (never more than bytes), so the loop checks bytes again.
  if (shell === 'sh') {
    return `__orchflow_encode_cwd() {
  if [ \${#PWD} -gt 4096 ]; then __orchflow_cwd=; return; fi
  case $PWD in
    *[!${CWD_SAFE}]*) __orchflow_cwd=$(command printf '%s' "$PWD" | od -An -v -tx1 | tr -d ' \\n' | sed 's/../%&/g') ;;
    *) __orchflow_cwd=$PWD ;;
  esac
}`;
  }
  if (shell === 'bash') {
    // `builtin return` (and nothing relying on it), and the unset after `local`: see command-env.ts.
    return `__orchflow_encode_cwd() {
  ((\${#PWD} > 4096)) && { __orchflow_cwd=; builtin return; }
  case $PWD in
    *[!${CWD_SAFE}]*) ;;
    *) builtin shopt -q nocasematch || { __orchflow_cwd=$PWD; builtin return; } ;;
  esac
  builtin local LC_ALL s c i
  builtin unset -v LC_ALL s c i
  LC_ALL=C
  s=$PWD
  ((\${#s} > 4096)) && s=
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
  ((\${#PWD} > 4096)) && { typeset -g __orchflow_cwd=; return; }
  case $PWD in
    (*[!${CWD_SAFE}]*) ;;
    (*) typeset -g __orchflow_cwd=$PWD; return ;;
  esac
  local LC_ALL=C s=$PWD c i
  typeset -g __orchflow_cwd=
  ((\${#s} > 4096)) && return
  for ((i = 1; i <= \${#s}; i++)); do
    c=\${s[i]}
    case $c in
      ([a-zA-Z0-9/._~-]) __orchflow_cwd+=$c ;;
      (*) builtin printf -v c '%%%02X' "'$c"; __orchflow_cwd+=$c ;;
    esac
  done
}`;
}
