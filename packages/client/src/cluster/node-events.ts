// What the router does with what its nodes send, and with their loss: a node's notifications go
// to the client under cluster-wide subscription ids (one about another terminal than its
// subscription's is dropped); a lost node's terminals each get a `terminal.exit` (`node-lost`);
// a node session that closed without its node being lost cuts its subscriptions on this side.
import {
  ChannelClosedError,
  ErrorCode,
  type JsonRpcMessage,
  localFailure,
  OrchflowError,
} from '@orchflow/protocol';
import type { OutboundBacklog } from './backlog';
import { clientNotificationParams } from './forwarding';
import type { NodeLink } from './node-link';
import type { RouterContext } from './router-context';

/** What {@link NodeEvents} reads and changes of the router (implemented by ClusterChannel). */
export interface NodeEventsHost {
  readonly router: RouterContext;
  /** The router's node sessions by node id; a lost node's, or a closed one, is removed. */
  readonly nodeLinks: Map<string, NodeLink>;
  /** Counts the output handed to the client. */
  readonly backlog: OutboundBacklog;
  /** Sends a notification to the client (a failure to send is ignored). */
  notify(method: string, params: unknown): void;
  /** Sends a message to the client from the router's side of its channel. */
  send(message: JsonRpcMessage): Promise<void>;
  /** True once the router is shutting down. */
  closing(): boolean;
  /** Hears protocol problems (must not throw). */
  onError(error: Error): void;
}

/** The router's handling of node notifications, node losses and closed node sessions. */
export class NodeEvents {
  /** A notification for another terminal than its subscription's was reported (see `fromNode`). */
  private reportedStray = false;

  constructor(private readonly host: NodeEventsHost) {}

  /** A notification from `nodeId`: passed to the client, the book updated by an exit. */
  fromNode(nodeId: string, method: string, params: unknown): void {
    const { book } = this.host.router;
    const forwarded = clientNotificationParams(nodeId, params);
    if (!this.forItsSubscription(method, forwarded)) return;
    if (method === 'terminal.exit') {
      const exit = forwarded as
        | { subscriptionId?: unknown; terminalId?: unknown; exitCode?: unknown }
        | undefined;
      if (typeof exit?.subscriptionId === 'string') book.unsubscribe(exit.subscriptionId);
      // A real exit: a later loss of the node must not invent a second one (`node-lost`).
      if (typeof exit?.terminalId === 'string') {
        const code = typeof exit.exitCode === 'number' ? exit.exitCode : null;
        book.exited(nodeId, exit.terminalId, code);
      }
    }
    this.host.backlog.added(method, forwarded);
    this.host.notify(method, forwarded);
  }

  /**
   * False for a subscription's notification (output, exit, gap) about another terminal than the
   * subscription's: a node's subscription ids are counters of its session (`sub-1`), so another
   * session's notifications, were they to arrive on this one, would name this one's subscriptions.
   * Reported once. A subscription not (yet) in the book is let through: its output may come before
   * the router has seen the node's answer to `terminal.subscribe`.
   */
  private forItsSubscription(method: string, params: unknown): boolean {
    if (method !== 'terminal.output' && method !== 'terminal.exit' && method !== 'terminal.gap') return true;
    const { subscriptionId, terminalId } = (params ?? {}) as {
      subscriptionId?: unknown;
      terminalId?: unknown;
    };
    if (typeof subscriptionId !== 'string') return true;
    const subscription = this.host.router.book.subscription(subscriptionId);
    if (!subscription || subscription.terminalId === terminalId) return true;
    if (!this.reportedStray) {
      this.reportedStray = true;
      this.host.onError(
        new OrchflowError(
          ErrorCode.InvalidState,
          `A '${method}' for subscription '${subscriptionId}' named terminal '${String(terminalId)}', not the subscription's '${subscription.terminalId}'; dropped (further ones are dropped without a word)`,
          { reason: 'foreign-notification', subscriptionId },
        ),
      );
    }
    return false;
  }

  /** The directory lost `nodeId` (`reason` as in `ClusterLinks.on`): its terminals exited. */
  nodeLost(nodeId: string, reason: string | undefined): void {
    const { book, planner } = this.host.router;
    planner.forget(nodeId);
    // A node that left cleanly or restarted took its terminals' old processes with it.
    const mayStillRun = reason !== 'deleted' && reason !== 'restarted';
    const { terminals, subscriptions } = book.nodeLost(nodeId, mayStillRun);
    const lost = { exitCode: null, signal: null, reason: 'node-lost' };
    const told = new Set<string>();
    for (const s of subscriptions) {
      told.add(s.terminalId);
      this.host.notify('terminal.exit', {
        terminalId: s.terminalId,
        subscriptionId: s.subscriptionId,
        ...lost,
      });
    }
    for (const t of terminals)
      if (!told.has(t.id)) this.host.notify('terminal.exit', { terminalId: t.id, ...lost });
    // After the exits, so the link's close does not fail those subscriptions a second time.
    const link = this.host.nodeLinks.get(nodeId);
    this.host.nodeLinks.delete(nodeId);
    link?.markLost();
  }

  /** A link closed without its node being lost: its subscriptions are cut on this side. */
  linkClosed(link: NodeLink): void {
    const { nodeLinks, router } = this.host;
    if (nodeLinks.get(link.nodeId) === link) nodeLinks.delete(link.nodeId);
    if (link.isLost || this.host.closing()) return;
    for (const s of router.book.subscriptionsOf(link.nodeId)) {
      router.book.unsubscribe(s.subscriptionId);
      const error = new ChannelClosedError(
        `The session to cluster node '${link.nodeId}' closed; subscribe again from the last offset`,
      );
      this.host.send(localFailure({ subscriptionId: s.subscriptionId }, error)).catch(() => undefined);
    }
  }
}
