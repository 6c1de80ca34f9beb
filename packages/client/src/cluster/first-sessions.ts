// Which node sessions a router's `initialize` opens. One node judges the caller (the least loaded;
// if it cannot answer, all the others at once), plus one to each live node that does not announce
// its capabilities (nodes of earlier versions). Sessions to the rest open when a call needs them, so
// a connection (a REST request through a gateway, say) costs one node session, not one per node.
// A refusal of the caller is asked again of the next nodes by load, one at a time, up to
// MAX_JUDGES nodes in all: anyone who can write the node directory can announce a node at load 0,
// which would be asked first, and its refusal alone must not shut every client out. The nodes of a
// cluster share their tokens, so a bad token is refused by all of them: bounded, it costs at most
// MAX_JUDGES sessions, not one per node.
import { ErrorCode, type InitializeResult, type ServerCapabilities } from '@orchflow/protocol';
import type { ClusterNodeInfo } from './links';

/** What the first sessions said: the answers, the failures, and every live node's capabilities. */
export interface FirstSessions {
  answers: InitializeResult[];
  failures: unknown[];
  /** Capabilities of the nodes that answered, and those the others announced. */
  capabilities: ServerCapabilities[];
}

/** Most nodes asked to judge the caller before their refusal stands. */
export const MAX_JUDGES = 3;

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
  // Nodes of earlier versions were asked with the judge; the others wait their turn, by load.
  const waiting = rest.filter((n) => n.capabilities !== undefined);
  let verdict = tried[0]?.outcome;
  const answered = () => tried.some(({ outcome }) => outcome.status === 'fulfilled');
  for (let judges = 1; judges < MAX_JUDGES && waiting.length > 0; judges++) {
    if (verdict?.status !== 'rejected' || !refusesCaller(verdict.reason) || answered()) break;
    const next = await attempt(waiting.splice(0, 1));
    tried = [...tried, ...next];
    verdict = next[0]?.outcome;
  }
  if (verdict?.status === 'rejected' && !refusesCaller(verdict.reason)) {
    tried = [...tried, ...(await attempt(waiting))];
  }
  const answers = new Map(
    tried.flatMap(({ node, outcome }) => (outcome.status === 'fulfilled' ? [[node.id, outcome.value]] : [])),
  );
  return {
    answers: [...answers.values()],
    failures: tried.flatMap(({ outcome }) =>
      outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
    ),
    capabilities: [
      ...[...answers.values()].map((a) => a.capabilities),
      ...live.flatMap((n) => (!answers.has(n.id) && n.capabilities ? [n.capabilities] : [])),
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
