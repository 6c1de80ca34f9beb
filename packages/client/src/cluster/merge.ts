// How the router combines the answers of several nodes into one: `initialize` capabilities (what
// every node supports), `orchestrator.metrics` (sums), and the bulk controls (sums). Listings are
// concatenated where they are gathered (fan-out.ts).
import type { MetricsResult, ServerCapabilities } from '@orchflow/protocol';

/** The feature a cluster router adds to `capabilities.features`. */
export const CLUSTER_FEATURE = 'cluster';

/**
 * Capabilities of the cluster as a whole: the execution modes, isolation levels and features
 * every node has (a spawn may land on any of them), the union of backends (informational: a spawn
 * cannot choose one), containment `cgroup` only when every node has it.
 */
export function mergeCapabilities(
  caps: readonly ServerCapabilities[],
  transports: readonly string[],
): ServerCapabilities {
  const containments = new Set(caps.map((c) => c.containment));
  const merged: ServerCapabilities = {
    transports: [...transports],
    executionModes: intersect(caps.map((c) => c.executionModes)),
    backends: [...new Set(caps.flatMap((c) => c.backends))],
    isolationLevels: intersect(caps.map((c) => c.isolationLevels)),
    features: [...intersect(caps.map((c) => c.features)), CLUSTER_FEATURE],
  };
  if (containments.size === 1 && !containments.has(undefined)) merged.containment = caps[0]?.containment;
  else if (caps.some((c) => c.containment !== undefined)) merged.containment = 'process-tree';
  if (caps.every((c) => c.injectionGuard !== undefined))
    merged.injectionGuard = caps.every((c) => c.injectionGuard);
  return merged;
}

/** Sums node metrics; `uptimeMs` is the longest-running node's. */
export function mergeMetrics(results: readonly MetricsResult[]): MetricsResult {
  const merged: MetricsResult = {
    terminals: { total: 0, running: 0 },
    terminalsByAgent: {},
    commandsExecuted: 0,
    uptimeMs: 0,
  };
  for (const r of results) {
    merged.terminals.total += r.terminals.total;
    merged.terminals.running += r.terminals.running;
    for (const [agent, n] of Object.entries(r.terminalsByAgent)) {
      merged.terminalsByAgent[agent] = (merged.terminalsByAgent[agent] ?? 0) + n;
    }
    merged.commandsExecuted += r.commandsExecuted;
    merged.uptimeMs = Math.max(merged.uptimeMs, r.uptimeMs);
    if (r.processes) merged.processes = { ...merged.processes, ...r.processes };
    if (r.outputDrain) {
      const d = merged.outputDrain ?? { drained: 0, undrained: 0 };
      merged.outputDrain = {
        drained: d.drained + r.outputDrain.drained,
        undrained: d.undrained + r.outputDrain.undrained,
        ...((d.lastFailure ?? r.outputDrain.lastFailure) !== undefined
          ? { lastFailure: d.lastFailure ?? r.outputDrain.lastFailure }
          : {}),
      };
    }
  }
  return merged;
}

/** Sums one count field (`killed`, `paused`, `resumed`) over the nodes' answers. */
export function sumField<K extends string>(results: readonly Record<K, number>[], field: K): number {
  return results.reduce((total, r) => total + (r[field] ?? 0), 0);
}

function intersect<T>(lists: readonly (readonly T[])[]): T[] {
  const [first, ...rest] = lists;
  if (!first) return [];
  return first.filter((item) => rest.every((list) => list.includes(item)));
}
