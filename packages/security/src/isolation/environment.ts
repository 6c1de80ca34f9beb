// The scrubbed environment of an isolated shell: only variables a shell and the agent-terminal
// defaults need survive, so tokens and credentials in the orchestrator's own environment
// (AWS_*, GITHUB_TOKEN, SSH_AUTH_SOCK, …) never reach an isolated command.

/** Variables every isolated shell keeps. */
export const KEPT_ENV_VARS: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'TZ',
  'COLORTERM',
  // The agent-terminal defaults (see @orchflow/terminal's AGENT_ENV_DEFAULTS).
  'PAGER',
  'GIT_PAGER',
  'MANPAGER',
  'SYSTEMD_PAGER',
  'EDITOR',
  'VISUAL',
  'GIT_EDITOR',
  'GIT_TERMINAL_PROMPT',
  // Set by the terminal's shell integration.
  'ZDOTDIR',
  'ORCHFLOW_USER_ZDOTDIR',
  'ENV',
];

/** `env` reduced to {@link KEPT_ENV_VARS}, `LC_*` and `extra`. */
export function scrubEnv(
  env: Readonly<Record<string, string>>,
  extra: readonly string[] = [],
): Record<string, string> {
  const keep = new Set([...KEPT_ENV_VARS, ...extra]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (keep.has(key) || key.startsWith('LC_')) out[key] = value;
  }
  return out;
}
