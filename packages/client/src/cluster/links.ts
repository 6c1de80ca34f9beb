// The seam between the cluster router and whatever finds and reaches nodes. Over NATS the
// directory (KV watch) and session channels implement it; tests implement it over in-process
// orchestrators and DirectChannel pairs. The router only needs these three operations.
import type { IpcChannel, ServerCapabilities } from '@orchflow/protocol';

/**
 * What the router reads of a live node. A NATS `NodeAnnouncement` has these fields (and more), so
 * announcements are passed as they are.
 */
export interface ClusterNodeInfo {
  /** Node id: 1-48 letters, digits or `-`; the prefix (before the first `_`) of its terminal ids. */
  readonly id: string;
  /** The node's labels, matched by `config.placement.labels`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Live terminals the node accepts. */
  readonly capacity: number;
  /** Live terminals it runs now (as last announced). */
  readonly load: number;
  /**
   * When this information was announced (ms since the epoch). Without it, `load` is taken as
   * current (it already counts every terminal whose spawn was answered).
   */
  readonly heartbeatAt?: number;
  /**
   * What a session to the node reports in `initialize`, when the node announces it: the router
   * then needs no session to this node to report the cluster's capabilities.
   */
  readonly capabilities?: ServerCapabilities;
}

/** The events a {@link ClusterLinks} emits: a node stopped heartbeating (or left), or (re)appeared. */
export type ClusterLinkEvent = 'node-lost' | 'node-up';

/** The node a {@link ClusterLinkEvent} is about. */
export interface ClusterLinkNode {
  readonly id: string;
  /** Why a `node-lost` node counts as lost (see {@link ClusterLinks.on}). */
  readonly reason?: string;
}

/** How the router finds live nodes and opens a session to one. */
export interface ClusterLinks {
  /** The nodes that are live now. */
  nodes(): readonly ClusterNodeInfo[];
  /**
   * Calls `listener` on every `event`; returns the function that stops it. A `node-lost` may say
   * why: `ttl` (no heartbeat within its TTL: dead, or stalled and still running its terminals),
   * `deleted` (it left cleanly) or `restarted` (a new process under its name). Without a reason
   * the router assumes the node may still run its terminals.
   */
  on(event: ClusterLinkEvent, listener: (node: ClusterLinkNode) => void): () => void;
  /**
   * A new session channel to `nodeId`, not yet initialized (the router sends `initialize` on it).
   * Rejects (ideally with `OrchflowError(Unavailable)`) when the node cannot be reached.
   */
  open(nodeId: string): Promise<IpcChannel>;
}
