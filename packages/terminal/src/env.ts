// The environment of an agent's terminal: the parent's environment, made safe for unattended use
// (no pagers, no interactive editors, no credential prompts, no shell history file, no PATH entry
// that resolves against the current directory), then the caller's overrides on top.

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

// Where a PATH that keeps no absolute entry leads instead (bash's built-in default ends in `.`).
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * `path` without its relative and empty entries. Such an entry (`./node_modules/.bin`, which
 * `pnpm exec` puts first; an empty one, which means the current directory) makes a command's name
 * resolve inside whatever directory the terminal is in: `ls` in a cloned repository could run that
 * repository's `node_modules/.bin/ls`, which a policy allowing `ls` never judged (policies deny
 * `export PATH=…` for the same reason). zsh also aborts a command looked up through a relative
 * entry from a directory deeper than PATH_MAX.
 */
export function absolutePathEntries(path: string): string {
  const kept = path.split(':').filter((entry) => entry.startsWith('/'));
  return kept.length > 0 ? kept.join(':') : FALLBACK_PATH;
}

/**
 * The environment for a terminal: inherited env (its PATH reduced to {@link absolutePathEntries}),
 * then {@link AGENT_ENV_DEFAULTS}, then `overrides`, which are kept as given.
 */
export function buildTerminalEnv(
  overrides: Readonly<Record<string, string>> = {},
  inherited: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !DROPPED.includes(key)) env[key] = value;
  }
  if (env.PATH !== undefined) env.PATH = absolutePathEntries(env.PATH);
  Object.assign(env, AGENT_ENV_DEFAULTS);
  if (env.LANG === undefined && env.LC_ALL === undefined) env.LANG = 'C.UTF-8';
  return Object.assign(env, overrides);
}
