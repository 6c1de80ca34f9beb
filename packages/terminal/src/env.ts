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
// CDPATH would send `cd x` somewhere other than ./x — not where a policy's path rules judged it to
// go (they refuse commands that assign it) — and make `cd` print where it went into the output.
const DROPPED = ['HISTFILE', 'COLUMNS', 'LINES', 'CDPATH'];

/** The PATH of a terminal whose inherited PATH has no absolute entry, or that inherits none. */
export const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * `path` without the entries that resolve against the current directory: relative ones
 * (`./node_modules/.bin`, which `pnpm exec` puts first), empty ones (the current directory itself)
 * and those under `/proc` (`/proc/self/cwd/bin`). With one of them a command's name resolves
 * inside whatever directory the terminal is in: `ls` in a cloned repository could run that
 * repository's `node_modules/.bin/ls`, which a policy allowing `ls` never judged (policies deny
 * `export PATH=…` for the same reason); zsh also aborts a command looked up through a relative
 * entry from a directory deeper than PATH_MAX. A `~/…` entry, which bash expands, is expanded
 * against `home` (dropped without one). No entry left, or no PATH at all: {@link FALLBACK_PATH}
 * (bash's own default would end in `.`).
 */
export function absolutePathEntries(path: string | undefined, home?: string): string {
  const kept: string[] = [];
  for (const entry of (path ?? '').split(':')) {
    const absolute = entry.startsWith('~/') && home?.startsWith('/') ? `${home}${entry.slice(1)}` : entry;
    if (absolute.startsWith('/') && absolute !== '/proc' && !absolute.startsWith('/proc/'))
      kept.push(absolute);
  }
  return kept.length > 0 ? kept.join(':') : FALLBACK_PATH;
}

/**
 * The environment for a terminal: inherited env, its PATH reduced to absolute entries (relative,
 * empty and `/proc` ones, which resolve against the current directory, are dropped; `~/…` is
 * expanded against HOME; none left: `/usr/local/bin:/usr/bin:/bin`), then
 * {@link AGENT_ENV_DEFAULTS}, then `overrides`, which are kept as given.
 */
export function buildTerminalEnv(
  overrides: Readonly<Record<string, string>> = {},
  inherited: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !DROPPED.includes(key)) env[key] = value;
  }
  env.PATH = absolutePathEntries(env.PATH, env.HOME);
  Object.assign(env, AGENT_ENV_DEFAULTS);
  if (env.LANG === undefined && env.LC_ALL === undefined) env.LANG = 'C.UTF-8';
  return Object.assign(env, overrides);
}
