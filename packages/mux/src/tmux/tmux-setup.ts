// What the backend needs before it talks to tmux: a tmux that is new enough (checked once, at
// construction, so a missing or old tmux fails fast with a clear message), and orchflow's own
// tmux config — never the user's ~/.tmux.conf — written to a private per-user directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { DEAD_NAME_PREFIX } from './tmux-pane';

/** Oldest tmux the backend runs on: format subscriptions (`refresh-client -B`, which report pane deaths) came in 3.2. */
export const MIN_TMUX_VERSION = '3.2';

/** Parses `tmux -V` output (`tmux 3.3a`, `tmux next-3.4`); undefined when it has no version. */
export function parseTmuxVersion(text: string): [number, number] | undefined {
  const match = /(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Throws SpawnFailed unless a tmux ≥ {@link MIN_TMUX_VERSION} is on PATH; returns its version. */
export function assertTmuxAvailable(): string {
  const run = spawnSync('tmux', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (run.error) {
    throw new OrchflowError(
      ErrorCode.SpawnFailed,
      `TmuxBackend needs tmux ≥ ${MIN_TMUX_VERSION}, but 'tmux' could not be run (${run.error.message}); install tmux or use DirectBackend`,
    );
  }
  const text = `${run.stdout}${run.stderr}`.trim();
  const version = parseTmuxVersion(text);
  const [major = 0, minor = 0] = version ?? [];
  const [minMajor, minMinor] = MIN_TMUX_VERSION.split('.').map(Number) as [number, number];
  if (!version || major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new OrchflowError(
      ErrorCode.SpawnFailed,
      `TmuxBackend needs tmux ≥ ${MIN_TMUX_VERSION}, found '${text || 'unknown version'}'; upgrade tmux or use DirectBackend`,
      { found: text },
    );
  }
  return text;
}

/** orchflow's tmux configuration. */
export function tmuxConfig(historyLimit: number): string {
  return `# orchflow's tmux configuration (generated; the user's ~/.tmux.conf is not read)
set -g remain-on-exit on
set -g history-limit ${historyLimit}
set -g base-index 0
set -g exit-empty on
set -g destroy-unattached off
set -g allow-rename off
set -s escape-time 10
set -g status-left '[orchflow #S] '
set -g status-left-length 60
setw -g automatic-rename on
setw -g automatic-rename-format '#{?pane_dead,${DEAD_NAME_PREFIX}#{pane_dead_status}:#{pane_dead_signal},orchflow}'
`;
}

/** Writes the config into a private per-user directory and returns its path. */
export function writeTmuxConfig(historyLimit: number): string {
  const dir = join(tmpdir(), `orchflow-tmux-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `tmux-${historyLimit}.conf`);
  // Written aside and renamed over: a server another backend starts at this moment must never
  // read a half-written (or just truncated) file, which would leave it without remain-on-exit.
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, tmuxConfig(historyLimit), { mode: 0o600 });
  renameSync(temporary, path);
  return path;
}
