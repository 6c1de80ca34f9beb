// The errors the cluster router raises itself. `Unavailable` is retryable: the request may
// succeed later (a node comes back, capacity frees up); `data.reason` says what was missing.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Why the cluster could not serve a request (`data.reason` of its `Unavailable` error). */
export type UnavailableReason =
  | 'no-node'
  | 'no-match'
  | 'no-capacity'
  | 'all-refused'
  | 'node-lost'
  | 'node-unreachable'
  | 'link-closed';

/** An `Unavailable` error with `data: { reason, ...details }`. */
export function unavailable(
  reason: UnavailableReason,
  message: string,
  details: Record<string, unknown> = {},
): OrchflowError {
  return new OrchflowError(ErrorCode.Unavailable, message, { reason, ...details });
}

/** The node that owned a terminal (or held a request) is gone. */
export function nodeLost(nodeId: string): OrchflowError {
  return unavailable(
    'node-lost',
    `Cluster node '${nodeId}' is gone (it stopped heartbeating or left); its terminals are lost unless it comes back. Retry after it returns, or spawn elsewhere`,
    { nodeId },
  );
}

/** No terminal with that id can exist in this cluster. */
export function terminalNotFound(terminalId: string, why: string): OrchflowError {
  return new OrchflowError(
    ErrorCode.TerminalNotFound,
    `No terminal '${terminalId}' in this cluster: ${why}`,
    {
      terminalId,
    },
  );
}

/** The owner of a cluster id: the text before the first `_`, or undefined when there is none. */
export function ownerOf(id: string): string | undefined {
  const cut = id.indexOf('_');
  return cut > 0 ? id.slice(0, cut) : undefined;
}

/** The Forbidden error a viewer gets for a control the router answers itself (as a node would). */
export function readOnly(method: string, name: string | undefined): OrchflowError {
  const who = name === undefined ? 'a viewer' : `viewer '${name}'`;
  return new OrchflowError(
    ErrorCode.Forbidden,
    `This connection's principal is read-only (${who}): it may watch terminals but not call '${method}'. Connect with an admin token, or with an agent token to control that agent's own terminals`,
    { method, principal: 'viewer' },
  );
}
