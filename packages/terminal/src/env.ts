// The environment of an agent's terminal: the parent's environment, made safe for unattended use
// (no pagers, no interactive editors, no credential prompts, no shell history file), then the
// caller's overrides on top.

/**
 * Defaults that override the inherited environment. `true` as editor makes a tool that wants an
 * edited message fail fast (`git commit` without `-m` aborts with "empty message") instead of
 * opening an editor that would swallow the agent's next command.
 */
export const AGENT_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  TERM: 'xterm-256color',
  PAGER: 'cat',
  GIT_PAGER: 'cat',
  MANPAGER: 'cat',
  SYSTEMD_PAGER: 'cat',
  EDITOR: 'true',
  VISUAL: 'true',
  GIT_EDITOR: 'true',
  GIT_TERMINAL_PROMPT: '0',
};

// COLUMNS/LINES inherited from a parent terminal would override the PTY's real size in ncurses.
const DROPPED = ['HISTFILE', 'COLUMNS', 'LINES'];

/** The environment for a terminal: inherited env, then {@link AGENT_ENV_DEFAULTS}, then `overrides`. */
export function buildTerminalEnv(
  overrides: Readonly<Record<string, string>> = {},
  inherited: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !DROPPED.includes(key)) env[key] = value;
  }
  Object.assign(env, AGENT_ENV_DEFAULTS);
  if (env.LANG === undefined && env.LC_ALL === undefined) env.LANG = 'C.UTF-8';
  return Object.assign(env, overrides);
}
