// What a node puts in the cluster's KV bucket (key = node id) and answers to discovery: who it
// is, what it offers and how busy it is. The announcement is re-put every `ttlMs / 3` with a new
// `heartbeatAt`; liveness is judged by those heartbeats, not by the entry's presence, because a
// SIGKILLed node cannot delete its key. `ClusterDirectory` times their arrival on its own clock;
// `isLive` compares `heartbeatAt` (the node's clock) with the reader's, for one-off reads.
import { ServerCapabilitiesSchema } from '@orchflow/protocol';
import { z } from 'zod';
import { NODE_ID_PATTERN } from './subjects';

/** Default time after the last heartbeat at which a node counts as gone. */
export const DEFAULT_NODE_TTL_MS = 15_000;

/**
 * Longest TTL a reader takes from an announcement: 10 minutes. Anyone who can write the bucket can
 * announce a node, and a reader keeps a node live for its TTL after its last heartbeat, whether or
 * not its entry is still there (a bucket's entries expire without a notice to watchers): an
 * unbounded TTL (2^31−1 ms) kept a fake node live, and every `killAll` partial for want of it, for
 * 24.8 days. A longer TTL counts as this one, so a node announcing more is lost 10 minutes after
 * its last heartbeat (and, heartbeating every third of its TTL, looks lost between heartbeats
 * once its TTL exceeds 30 minutes).
 */
export const MAX_NODE_TTL_MS = 600_000;

/** Schema of a node announcement (the KV value and the discovery reply). */
export const NodeAnnouncementSchema = z.object({
  id: z.string().regex(NODE_ID_PATTERN),
  labels: z.record(z.string(), z.string()),
  /** Most terminals the node takes. */
  capacity: z.number().int().nonnegative(),
  /** Live terminals now. */
  load: z.number().int().nonnegative(),
  /** orchflow version of the node. */
  version: z.string(),
  protocolVersion: z.string(),
  /** ms since the epoch. */
  startedAt: z.number(),
  /** ms since the epoch of the latest heartbeat. */
  heartbeatAt: z.number(),
  /** Read as at most {@link MAX_NODE_TTL_MS}. */
  ttlMs: z
    .number()
    .int()
    .positive()
    .transform((ttl) => Math.min(ttl, MAX_NODE_TTL_MS)),
  /**
   * What a session to the node reports in `initialize` (absent from nodes before 0.x): lets a
   * router report the cluster's capabilities without opening a session to every node.
   */
  capabilities: ServerCapabilitiesSchema.optional(),
});

/** A node's announcement; see {@link NodeAnnouncementSchema}. */
export type NodeAnnouncement = z.infer<typeof NodeAnnouncementSchema>;

/** Parses an announcement from JSON bytes or text; undefined when it is not one. */
export function parseAnnouncement(data: Uint8Array | string): NodeAnnouncement | undefined {
  try {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    const parsed = NodeAnnouncementSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True while the node's last heartbeat is at most its `ttlMs` (at most {@link MAX_NODE_TTL_MS})
 * old by the reader's clock (assumes synced clocks).
 */
export function isLive(announcement: NodeAnnouncement, now: number = Date.now()): boolean {
  // Capped here too: an announcement may be built by hand rather than parsed.
  return now - announcement.heartbeatAt <= Math.min(announcement.ttlMs, MAX_NODE_TTL_MS);
}
