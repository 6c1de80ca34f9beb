// What the router answers `initialize` with when no node can speak for the cluster yet (none is
// live, or every live one was unreachable): connecting to an empty cluster succeeds, so a client
// can be started before its nodes; its spawns then fail at once with `Unavailable` until a node
// comes. The capabilities are what an orchflow node offers by default (core's features, the
// PTY execution modes), since the nodes that will serve the client are not known yet.
import type { ServerCapabilities } from '@orchflow/protocol';
import { CLUSTER_FEATURE } from './merge';

/** The features an orchflow node lists by default (core's `SERVER_FEATURES`, without `reconnect`). */
export const NODE_DEFAULT_FEATURES: readonly string[] = Object.freeze([
  'subscriptions',
  'executeProgress',
  'executeStarted',
  'cancellation',
  'batchExecute',
  'transactions',
  'emergencyControls',
  'metrics',
  'shutdown',
]);

/** The capabilities reported by a cluster that has no node to ask: a default node's. */
export function defaultNodeCapabilities(transports: readonly string[]): ServerCapabilities {
  return {
    transports: [...transports],
    executionModes: ['interactive', 'scripted'],
    backends: [],
    isolationLevels: ['none'],
    features: [...NODE_DEFAULT_FEATURES, CLUSTER_FEATURE],
  };
}

/**
 * The principal reported when no node authenticated the caller: the least a principal may do. It
 * is informational only; every node still authenticates the client's token when it is first used.
 */
export const UNVERIFIED_PRINCIPAL = Object.freeze({ kind: 'viewer', name: 'unverified' } as const);
