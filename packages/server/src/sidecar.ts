// The stdio sidecar in one line: `OrchflowClient.stdio(sidecarCommand())` starts this package's
// own `orchflow serve --stdio` with the running node, so an app needs no CLI on PATH and no npx.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { CLI_NODE_FLAGS } from './cli/node-flags';

/** Options of {@link sidecarCommand}. */
export interface SidecarCommandOptions {
  /** Extra `serve` flags, e.g. `['--policy', 'locked']` or `['--backend', 'tmux']`. */
  args?: string[];
  /** Environment of the sidecar. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the sidecar. Default: this process's. */
  cwd?: string;
}

/** What `OrchflowClient.stdio` (from `@orchflow/client/node`) takes to start a sidecar. */
export interface SidecarCommandLine {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

// This module's directory: dist/ once built (ESM or CJS), src/ when run from source.
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/** Path of the built `orchflow` CLI (`dist/cli.mjs`) of this package. */
export function cliPath(): string {
  const here = moduleDir();
  const candidates = [join(here, 'cli.mjs'), join(here, '..', 'dist', 'cli.mjs')];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new OrchflowError(
      ErrorCode.InvalidState,
      `The orchflow CLI is not built (looked for ${candidates.join(', ')}); run the @orchflow/server build`,
    );
  }
  return found;
}

/**
 * The command line that runs `orchflow serve --stdio` of this package with the current node (and
 * the node flags the `orchflow` bin uses).
 */
export function sidecarCommand(options: SidecarCommandOptions = {}): SidecarCommandLine {
  return {
    command: process.execPath,
    args: [...CLI_NODE_FLAGS, cliPath(), 'serve', '--stdio', ...(options.args ?? [])],
    env: options.env,
    cwd: options.cwd,
  };
}
