// `terminal.spawn` in a cluster: place the terminal (see placement.ts), forward the spawn without
// `placement` (the node has nowhere else to put it), and on a refusal that another node may not
// give (quota, overload, spawn failure, unavailable or closed link) try the next candidate. No
// candidate, or all refused → `Unavailable` at once, with the reason and each node's refusal
// (all refused with one code about the request, e.g. QuotaExceeded → that code).
import {
  ErrorCode,
  isOrchflowError,
  OrchflowError,
  type RequestContext,
  type SpawnParams,
  type TerminalInfo,
} from '@orchflow/protocol';
import { unavailable } from './errors';
import { forwardOptions } from './forwarding';
import type { RouterContext } from './router-context';

// Refusals that say something about the node, not the request: another node may accept.
const NEXT_NODE_CODES: ReadonlySet<number> = new Set([
  ErrorCode.QuotaExceeded,
  ErrorCode.Overloaded,
  ErrorCode.SpawnFailed,
  ErrorCode.Unavailable,
  ErrorCode.ChannelClosed,
  ErrorCode.Unauthorized,
]);

// Refusals that say a node could not be reached or used, not what it made of the request.
const LINK_CODES: ReadonlySet<number> = new Set([ErrorCode.Unavailable, ErrorCode.ChannelClosed]);

/** Spawns on the best node that accepts; resolves with the node's `TerminalInfo`. */
export async function spawnInCluster(
  router: RouterContext,
  params: SpawnParams,
  context: RequestContext,
): Promise<TerminalInfo> {
  const { placement, ...config } = params.config ?? {};
  const plan = router.planner.plan(router.live(), placement);
  if (plan.reason !== undefined) throw unavailable(plan.reason, plan.message, { placement });
  const forwarded: SpawnParams = params.config ? { ...params, config } : params;
  const refusals: { nodeId: string; code: number; message: string }[] = [];
  for (const node of plan.nodes) {
    if (context.signal.aborted) break;
    const reservation = router.planner.reserve(node);
    try {
      const info = await router
        .link(node.id)
        .call<TerminalInfo>('terminal.spawn', forwarded, forwardOptions(context));
      reservation.placed();
      router.book.remember(node.id, info);
      return info;
    } catch (error) {
      reservation.failed();
      if (!isOrchflowError(error) || !NEXT_NODE_CODES.has(error.code)) throw error;
      refusals.push({ nodeId: node.id, code: error.code, message: error.message });
    }
  }
  if (context.signal.aborted) {
    throw new OrchflowError(ErrorCode.Cancelled, "Request 'terminal.spawn' was cancelled by the caller");
  }
  const first = refusals[0];
  // Nodes may hold different tokens, so each was asked; refused by all for the token, the caller's
  // credentials are the problem (retrying will not help), not the cluster's capacity. Likewise
  // when every node refused with one code about the request (QuotaExceeded, SpawnFailed for a cwd
  // that exists nowhere…): that is the answer a single server gives. Link failures stay Unavailable.
  if (first && !LINK_CODES.has(first.code) && refusals.every((r) => r.code === first.code)) {
    throw new OrchflowError(first.code, first.message, { reason: 'all-refused', refusals });
  }
  throw unavailable(
    'all-refused',
    `Every matching cluster node refused the spawn${first ? ` (first: ${first.nodeId}: ${first.message})` : ''}; retry later or add nodes`,
    { refusals },
  );
}
