// Which node sessions a router's `initialize` opens. One node judges the caller (the least loaded;
// if it cannot answer, all the others at once; its refusal of the caller is final, since the nodes
// of a cluster share their tokens — asking every node would make each bad token cost a session per
// node), plus one to each live node that does not announce its capabilities (nodes of earlier
// versions). Sessions to the rest open when a call needs them, so a connection (a REST request
// through a gateway, say) costs one node session, not one per node.
import { ErrorCode, type InitializeResult, type ServerCapabilities } from '@orchflow/protocol';
import type { ClusterNodeInfo } from './links';

/** What the first sessions said: the answers, the failures, and every live node's capabilities. */
export interface FirstSessions {
  answers: InitializeResult[];
  failures: unknown[];
  /** Capabilities of the nodes that answered, and those the others announced. */
  capabilities: ServerCapabilities[];
}

/** Opens the sessions `initialize` needs among `live`; `ready(id)` opens (or reuses) one. */
export async function openFirstSessions(
  live: readonly ClusterNodeInfo[],
  ready: (nodeId: string) => Promise<InitializeResult>,
): Promise<FirstSessions> {
  const byLoad = [...live].sort((a, b) => a.load / (a.capacity || 1) - b.load / (b.capacity || 1));
  const [judge, ...rest] = byLoad;
  const attempt = async (nodes: readonly ClusterNodeInfo[]) =>
    (await Promise.allSettled(nodes.map((n) => ready(n.id)))).map((outcome, i) => ({
      node: nodes[i] as ClusterNodeInfo,
      outcome,
    }));
  let tried = await attempt(judge ? [judge, ...rest.filter((n) => n.capabilities === undefined)] : []);
  const verdict = tried[0]?.outcome;
  const refused = verdict?.status === 'rejected' && refusesCaller(verdict.reason);
  if (verdict?.status !== 'fulfilled' && !refused) {
    tried = [...tried, ...(await attempt(rest.filter((n) => n.capabilities !== undefined)))];
  }
  const answered = new Map(
    tried.flatMap(({ node, outcome }) => (outcome.status === 'fulfilled' ? [[node.id, outcome.value]] : [])),
  );
  return {
    answers: [...answered.values()],
    failures: tried.flatMap(({ outcome }) =>
      outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
    ),
    capabilities: [
      ...[...answered.values()].map((a) => a.capabilities),
      ...live.flatMap((n) => (!answered.has(n.id) && n.capabilities ? [n.capabilities] : [])),
    ],
  };
}

/** True for an error that says the caller may not connect (its token, its rights, its version). */
function refusesCaller(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === ErrorCode.Unauthorized || code === ErrorCode.Forbidden || code === ErrorCode.VersionMismatch
  );
}
