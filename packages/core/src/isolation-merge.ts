// How a terminal is isolated when two policies hold its spawner (the orchestrator's and a
// connection's): each setting takes the stricter of the two, so neither policy can loosen what
// the other asks for. Kept per setting rather than "pick one policy" because a policy with weak
// isolation may still set tighter resource limits or deny the network.
import type { IsolationLevel, IsolationSpec, ResourceLimits } from '@orchflow/security';

// Weakest first: a container is a stronger boundary than a bubblewrap sandbox.
const LEVELS: readonly IsolationLevel[] = ['none', 'process', 'sandbox', 'container'];

/** The stronger of two isolation levels. */
export function strongerLevel(a: IsolationLevel, b: IsolationLevel): IsolationLevel {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

function tighterLimits(a: ResourceLimits, b: ResourceLimits): ResourceLimits {
  const out: ResourceLimits = { ...a };
  for (const [key, value] of Object.entries(b) as [keyof ResourceLimits, number | undefined][]) {
    if (value === undefined) continue;
    const mine = out[key];
    out[key] = mine === undefined ? value : Math.min(mine, value);
  }
  return out;
}

/**
 * The strictest combination of two specs of the same terminal: the stronger level, the lower of
 * each resource limit, network only if both allow it, every forbidden path of either, and only
 * the caller's variables both keep. Workspace, home and image come from `a`.
 */
export function strictestSpec(a: IsolationSpec, b: IsolationSpec): IsolationSpec {
  const keepB = b.keepEnv === undefined ? undefined : new Set(b.keepEnv);
  return {
    ...a,
    level: strongerLevel(a.level, b.level),
    limits: tighterLimits(a.limits, b.limits),
    network: a.network && b.network,
    forbiddenPaths: [...new Set([...a.forbiddenPaths, ...b.forbiddenPaths])],
    keepEnv:
      a.keepEnv === undefined || keepB === undefined ? undefined : a.keepEnv.filter((n) => keepB.has(n)),
  };
}
