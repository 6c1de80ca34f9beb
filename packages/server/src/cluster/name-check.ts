// Two nodes started with one `--name` (the default is the host name, so it is an easy mistake)
// would overwrite each other's announcement forever: the directory saw a restart twice a second,
// clients' streams ended with an invented `node-lost`, and calls went to either node by turns.
// So a node refuses to start while another node of its name is alive. A key alone does not say
// that — a SIGKILLed node leaves its key until the TTL — but a live node re-puts it every
// `ttlMs / 3`: a key that still looks fresh is read again after one heartbeat.
import type { KV } from '@nats-io/kv';
import { parseAnnouncement } from '@orchflow/client/node';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Slack beyond one heartbeat period before the second read (a put in flight, a busy node). */
const HEARTBEAT_SLACK_MS = 500;

/** Resolves once no other live node announces `nodeId` in `kv`; rejects with InvalidState if one does. */
export async function ensureNameFree(kv: KV, nodeId: string): Promise<void> {
  const first = await read(kv, nodeId);
  if (!first || Date.now() - first.heartbeatAt > first.ttlMs) return;
  const heartbeatMs = Math.max(100, Math.floor(first.ttlMs / 3));
  await new Promise((resolve) => setTimeout(resolve, heartbeatMs + HEARTBEAT_SLACK_MS));
  const again = await read(kv, nodeId);
  if (!again || again.startedAt !== first.startedAt || again.heartbeatAt === first.heartbeatAt) return;
  throw new OrchflowError(
    ErrorCode.InvalidState,
    `A node named '${nodeId}' is already running in this cluster (started ${new Date(first.startedAt).toISOString()}, ` +
      `its last heartbeat ${Date.now() - again.heartbeatAt} ms ago); give each node its own --name (the default is the host name)`,
    { nodeId, startedAt: first.startedAt },
  );
}

async function read(kv: KV, nodeId: string) {
  const entry = await kv.get(nodeId);
  if (entry?.operation !== 'PUT') return undefined;
  return parseAnnouncement(entry.value);
}
