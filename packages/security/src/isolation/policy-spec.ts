// From a SecurityPolicy to the IsolationSpec of one terminal: its level, limits, network and
// forbidden paths (with `~` expanded), with the terminal's cwd as the sandbox workspace.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SecurityPolicy } from '../policy/schema';
import type { IsolationSpec } from './types';

/** Where the terminal runs and what of its environment is the caller's own. */
export interface TerminalPlacement {
  /** The terminal's cwd: the sandbox workspace. */
  workspace: string;
  /** Names of variables the caller set explicitly (kept by the env scrub). */
  keepEnv?: readonly string[];
  /** Home directory for `~` in forbidden paths. Default `os.homedir()`. */
  home?: string;
}

/** The isolation a terminal placed at `placement` gets under `policy`. */
export function isolationSpecFor(policy: SecurityPolicy, placement: TerminalPlacement): IsolationSpec {
  const home = placement.home ?? homedir();
  const expand = (p: string): string => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);
  return {
    level: policy.isolationLevel,
    limits: policy.resourceLimits,
    network: policy.networkPolicy === 'allow' && policy.capabilities.canNetwork,
    workspace: placement.workspace,
    forbiddenPaths: policy.forbiddenPaths.map(expand),
    // The caller's own variables survive the scrub, but never one the policy calls dangerous.
    keepEnv: placement.keepEnv?.filter((name) => !policy.dangerousVariables.some((g) => globMatch(g, name))),
    home,
  };
}

function globMatch(glob: string, name: string): boolean {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 'i').test(name);
}

/** True when `spec` changes how the shell is started (any level above `none`, or no network). */
export function needsLaunchWrapper(spec: IsolationSpec): boolean {
  return spec.level !== 'none' || !spec.network;
}
