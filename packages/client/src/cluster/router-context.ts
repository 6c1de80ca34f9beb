// What the router's method handlers share: the live nodes, a link to any node, the terminal book
// and the placement planner. Implemented by ClusterChannel; handlers live in their own modules.

import type { ClusterNodeInfo } from './links';
import type { NodeLink } from './node-link';
import type { PlacementPlanner } from './placement';
import type { TerminalBook } from './terminal-book';

/** The router state a handler module works with. */
export interface RouterContext {
  /** The nodes live now. */
  live(): readonly ClusterNodeInfo[];
  /** A usable link to `nodeId` (opened if needed); throws Unavailable for a lost node. */
  link(nodeId: string): NodeLink;
  /** The link to the node owning `terminalId`; throws TerminalNotFound or Unavailable. */
  linkForTerminal(terminalId: string): NodeLink;
  readonly book: TerminalBook;
  readonly planner: PlacementPlanner;
  /** How long a fan-out waits for each node. */
  readonly fanOutTimeoutMs: number;
}
