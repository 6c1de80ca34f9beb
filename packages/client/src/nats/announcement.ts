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
  ttlMs: z.number().int().positive(),
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

/** True while the node's last heartbeat is at most its `ttlMs` old by the reader's clock (assumes synced clocks). */
export function isLive(announcement: NodeAnnouncement, now: number = Date.now()): boolean {
  return now - announcement.heartbeatAt <= announcement.ttlMs;
}
