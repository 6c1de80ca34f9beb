// Placement of `terminal.spawn`: which live nodes may take a terminal, in the order to try them.
// A node qualifies when it carries every requested label (and is the requested node, if one is
// named) and has room (load < capacity). Least loaded first; equal loads rotate between calls so
// a burst of spawns spreads instead of piling onto the first node in the list.
//
// Announced load lags (a node re-announces at most every 250 ms), so the planner counts the
// spawns it sent to a node that no announcement shows yet: a spawn is "pending" from the moment
// it is sent until the node's announced load rises by one, or an announcement made after the
// spawn's answer arrives (`heartbeatAt`; information without one is taken as current), or it
// failed, or PENDING_EXPIRY_MS passed. Counting it only until its answer would miss it while the
// announcement lags; counting it until the answer regardless would count it twice while an
// announcement that includes it races the answer.
import type { Placement } from '@orchflow/protocol';
import type { UnavailableReason } from './errors';
import type { ClusterNodeInfo } from './links';

/** The nodes to try, in order; empty with the reason when none qualifies. */
export type PlacementPlan =
  | { nodes: ClusterNodeInfo[]; reason?: undefined }
  | { nodes: []; reason: UnavailableReason; message: string };

/** How long a sent spawn counts as pending when no announcement shows it: 30 s. */
export const PENDING_EXPIRY_MS = 30_000;

interface Pending {
  sentAt: number;
  /** When the node's answer (the terminal) arrived. */
  placedAt?: number;
}

interface Seen {
  /** The announced load last observed. */
  load: number;
  /** Spawns not yet reflected in an announcement, oldest first. */
  pending: Pending[];
}

/** A spawn counted against a node until an announcement shows it. */
export interface Reservation {
  /** The node took it (its answer arrived). */
  placed(): void;
  /** The node did not take it. */
  failed(): void;
}

/** Chooses nodes for spawns and keeps the load adjustments between announcements. */
export class PlacementPlanner {
  private readonly seen = new Map<string, Seen>();
  private turn = 0;

  /** The qualifying nodes of `live` for `placement`, least loaded first. */
  plan(live: readonly ClusterNodeInfo[], placement: Placement | undefined): PlacementPlan {
    if (live.length === 0) {
      return { nodes: [], reason: 'no-node', message: 'No cluster node is live; start an orchflow node' };
    }
    const matching = live.filter((node) => matches(node, placement));
    if (matching.length === 0) {
      return {
        nodes: [],
        reason: 'no-match',
        message: `No live node matches placement ${JSON.stringify(placement)}; live nodes: ${live.map((n) => n.id).join(', ')}`,
      };
    }
    const loads = new Map(matching.map((node) => [node.id, this.load(node)]));
    const open = matching.filter((node) => (loads.get(node.id) ?? 0) < node.capacity);
    if (open.length === 0) {
      return {
        nodes: [],
        reason: 'no-capacity',
        message: `Every matching node is at capacity (${matching.map((n) => `${n.id} ${loads.get(n.id)}/${n.capacity}`).join(', ')}); retry later or add nodes`,
      };
    }
    // Rotating the tie-break by one per plan spreads equal loads round robin.
    const byId = [...open].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const turn = this.turn++;
    const rank = new Map(
      byId.map((node, i) => [node.id, (i - (turn % byId.length) + byId.length) % byId.length]),
    );
    byId.sort(
      (a, b) =>
        (loads.get(a.id) ?? 0) - (loads.get(b.id) ?? 0) || (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0),
    );
    return { nodes: byId };
  }

  /** Counts a spawn sent to `node` until an announcement shows it (or it failed). */
  reserve(node: ClusterNodeInfo): Reservation {
    const seen = this.observe(node);
    const entry: Pending = { sentAt: Date.now() };
    seen.pending.push(entry);
    const drop = () => {
      const i = seen.pending.indexOf(entry);
      if (i >= 0) seen.pending.splice(i, 1);
    };
    return {
      placed: () => {
        entry.placedAt = Date.now();
        // Information without a heartbeat time is current: it shows the terminal from now on.
        if (node.heartbeatAt === undefined) drop();
      },
      failed: drop,
    };
  }

  /** Forgets a node (it was lost): its next announcement starts from scratch. */
  forget(nodeId: string): void {
    this.seen.delete(nodeId);
  }

  private load(node: ClusterNodeInfo): number {
    const seen = this.observe(node);
    return seen.load + seen.pending.length;
  }

  // A rise of the announced load shows that many of our pending spawns (oldest first; another
  // router's spawn may be taken for ours, which only errs towards the node's real load).
  private observe(node: ClusterNodeInfo): Seen {
    let seen = this.seen.get(node.id);
    if (!seen) {
      seen = { load: node.load, pending: [] };
      this.seen.set(node.id, seen);
    }
    if (node.load > seen.load) seen.pending.splice(0, node.load - seen.load);
    seen.load = node.load;
    const expired = Date.now() - PENDING_EXPIRY_MS;
    const heartbeat = node.heartbeatAt;
    seen.pending = seen.pending.filter(
      (p) =>
        p.sentAt >= expired &&
        !(p.placedAt !== undefined && heartbeat !== undefined && heartbeat >= p.placedAt),
    );
    return seen;
  }
}

function matches(node: ClusterNodeInfo, placement: Placement | undefined): boolean {
  if (!placement) return true;
  if (placement.node !== undefined && placement.node !== node.id) return false;
  for (const [key, value] of Object.entries(placement.labels ?? {})) {
    if (node.labels[key] !== value) return false;
  }
  return true;
}
