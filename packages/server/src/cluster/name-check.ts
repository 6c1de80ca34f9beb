// Two nodes started with one `--name` (the default is the host name, so it is an easy mistake)
// would overwrite each other's announcement forever: the directory saw a restart twice a second,
// clients' streams ended with an invented `node-lost`, and calls went to either node by turns.
// So a node refuses to start while another node of its name is alive. A key alone does not say
// that — a SIGKILLed node leaves its key until the TTL — but a live node re-puts it every
// `ttlMs / 3`. A key that still looks fresh is read again until it changes (alive) or one whole
// TTL has passed without a change (dead): the rule directories use. Waiting only one heartbeat
// and a little slack took a live node on a loaded machine, one heartbeat late, for a dead one.
import type { KV } from '@nats-io/kv';
import { parseAnnouncement } from '@orchflow/client/internal';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Longest wait for a heartbeat, whatever TTL the other announcement claims. */
const MAX_WAIT_MS = 120_000;

/** Resolves once no other live node announces `nodeId` in `kv`; rejects with InvalidState if one does. */
export async function ensureNameFree(kv: KV, nodeId: string): Promise<void> {
  const first = await read(kv, nodeId);
  if (!first || Date.now() - first.heartbeatAt > first.ttlMs) return;
  // Counted on this machine's clock from the first read: the other node's clock may differ.
  const deadline = Date.now() + Math.min(first.ttlMs, MAX_WAIT_MS);
  const pollMs = Math.max(50, Math.floor(first.ttlMs / 6));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    const again = await read(kv, nodeId);
    if (!again || again.startedAt !== first.startedAt) return;
    if (again.heartbeatAt !== first.heartbeatAt) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `A node named '${nodeId}' is already running in this cluster (started ${new Date(first.startedAt).toISOString()}, ` +
          `its last heartbeat ${Math.max(0, Date.now() - again.heartbeatAt)} ms ago); give each node its own --name (the default is the host name)`,
        { nodeId, startedAt: first.startedAt },
      );
    }
  }
}

async function read(kv: KV, nodeId: string) {
  const entry = await kv.get(nodeId);
  if (entry?.operation !== 'PUT') return undefined;
  return parseAnnouncement(entry.value);
}
