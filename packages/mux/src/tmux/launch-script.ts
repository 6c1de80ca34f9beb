// The script a tmux pane starts: tmux runs pane commands through its own environment (the
// server's), so the shell is started with `env -i` and exactly the terminal's environment, in its
// cwd. It execs, so the pane's pid is the shell's pid.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the pane should run. */
export interface LaunchSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

function shQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Writes the launch script into `dir` (the terminal's private directory); returns its path. */
export function writeLaunchScript(dir: string, spec: LaunchSpec): string {
  const assignments = Object.entries(spec.env).map(([key, value]) => shQuote(`${key}=${value}`));
  const text = `cd ${shQuote(spec.cwd)} || exit 126
exec /usr/bin/env -i ${assignments.join(' ')} ${[spec.file, ...spec.args].map(shQuote).join(' ')}
`;
  const path = join(dir, 'launch.sh');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}
