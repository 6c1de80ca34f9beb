// Hook functions that give one command its own environment (`ExecOptions.env`, e.g. a traced
// command's TRACEPARENT) in bash and zsh without typing the values: typing costs the line editor
// about 7 µs per character (a W3C traceparent assignment ~0.5 ms per command), reading a private
// file with the `read` builtin costs no fork and a few µs. The orchestrator writes `NAME=value`
// lines to `<dir>/env-<n>` and types `__orchflow_arm <token> <n>`; the arm exports each variable
// and remembers what it replaced, and the prompt hook puts that back before the done marker, so
// the shell and the next command never see the variables, as with a prefix assignment.
// Names are checked again here (the file is the terminal's, and its commands could rewrite it);
// values are assigned, never evaluated, and nothing here `eval`s a variable a command could set.
// sh keeps the typed prefix assignment: its prompt hook runs in a subshell (`PS1='$(…)'`), which
// cannot restore anything, and sh reads whole lines, so length costs it little.

/** Name of the saved-state array (name, was-set flag, old value per variable). Not exported. */
const SAVED = '__orchflow_saved';

// A valid name that is not orchflow's own: anything else in the file is skipped.
const SKIP_BAD_NAME = `case $__orchflow_n in '' | [0-9]* | *[!A-Za-z0-9_]* | __orchflow*) continue ;; esac`;

/** `__orchflow_env_in <n>` and `__orchflow_env_out` for `shell`, reading files in `dir`. */
export function commandEnvFunctions(shell: 'bash' | 'zsh', dir: string): string {
  const file = `'${dir.replaceAll("'", "'\\''")}'/env-"$1"`;
  const [local, read, exportVar, unset, first, value, flag] =
    shell === 'bash'
      ? [
          'builtin local',
          'IFS= builtin read -r',
          'builtin declare -gx',
          'builtin unset -v',
          `\${#${SAVED}[@]} - 3`,
          `\${${SAVED}[__orchflow_i + 2]}`,
          `\${${SAVED}[__orchflow_i + 1]}`,
        ]
      : [
          'local',
          'IFS= read -r',
          'typeset -gx',
          'unset',
          `\${#${SAVED}} - 2`,
          `\${${SAVED}[__orchflow_i + 2]}`,
          `\${${SAVED}[__orchflow_i + 1]}`,
        ];
  const current = shell === 'bash' ? `"\${!__orchflow_n}"` : `"\${(P)__orchflow_n}"`;
  return `${SAVED}=()
__orchflow_env_in() {
  ${local} __orchflow_l __orchflow_n
  while ${read} __orchflow_l; do
    __orchflow_n=\${__orchflow_l%%=*}
    ${SKIP_BAD_NAME}
    if [[ -v $__orchflow_n ]]; then ${SAVED}+=("$__orchflow_n" 1 ${current}); else ${SAVED}+=("$__orchflow_n" 0 ''); fi
    ${exportVar} "$__orchflow_n=\${__orchflow_l#*=}"
  done < ${file}
}
__orchflow_env_out() {
  ${local} __orchflow_i __orchflow_n
  for ((__orchflow_i = ${first}; __orchflow_i >= ${shell === 'bash' ? 0 : 1}; __orchflow_i -= 3)); do
    __orchflow_n=\${${SAVED}[__orchflow_i]}
    ${SKIP_BAD_NAME}
    if [[ ${flag} == 1 ]]; then ${exportVar} "$__orchflow_n=${value}"; else ${unset} "$__orchflow_n"; fi
  done
  ${SAVED}=()
}`;
}

/** The file lines for `env` (names and values already checked by checkExecEnv). */
export function commandEnvFile(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');
}
