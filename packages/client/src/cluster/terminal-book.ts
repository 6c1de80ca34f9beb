// What the router remembers about terminals so it can speak for a node that is gone: the last
// `TerminalInfo` it saw of each (from spawns and listings), the client's subscriptions (so each
// gets a `terminal.exit` with `reason: 'node-lost'`), and, per lost node, the terminals to list
// as exited until the node comes back. Only what passed through this router is known.
import type { ListParams, TerminalInfo } from '@orchflow/protocol';
import { ownerOf } from './errors';

/** A client subscription as the router maps it. */
export interface RoutedSubscription {
  /** The id the client sees: `<nodeId>_<the node's subscription id>`. */
  readonly subscriptionId: string;
  readonly nodeId: string;
  readonly terminalId: string;
}

/** The router's memory of terminals, per node. */
export class TerminalBook {
  private readonly known = new Map<string, Map<string, TerminalInfo>>();
  private readonly subscriptions = new Map<string, RoutedSubscription>();
  private readonly lostNodes = new Map<string, TerminalInfo[]>();
  /** Lost nodes that may still run terminals they ran when lost (stalled past their TTL, tmux). */
  private readonly maybeRunning = new Set<string>();

  /** The node owning `terminalId`: its id prefix, else the node it was seen on. */
  owner(terminalId: string): string | undefined {
    const prefix = ownerOf(terminalId);
    if (prefix !== undefined) return prefix;
    for (const [nodeId, terminals] of this.known) if (terminals.has(terminalId)) return nodeId;
    return undefined;
  }

  /** True while `nodeId` is lost (and not back). */
  isLost(nodeId: string): boolean {
    return this.lostNodes.has(nodeId);
  }

  /** Remembers one terminal of `nodeId` (a spawn's result). */
  remember(nodeId: string, info: TerminalInfo): void {
    this.terminalsOf(nodeId).set(info.id, info);
  }

  private terminalsOf(nodeId: string): Map<string, TerminalInfo> {
    let terminals = this.known.get(nodeId);
    if (!terminals) {
      terminals = new Map();
      this.known.set(nodeId, terminals);
    }
    return terminals;
  }

  /** Replaces what is known of `nodeId` with its listing (only when it listed everything). */
  replace(nodeId: string, terminals: readonly TerminalInfo[]): void {
    this.known.set(nodeId, new Map(terminals.map((t) => [t.id, t])));
  }

  /**
   * A terminal of `nodeId` exited (its `terminal.exit`, a kill's result, or an execute whose
   * command ended the shell passed through): a later loss of the node must not conclude a second
   * exit for it. Without `replace` an exit already recorded stays (a `terminal.exit` is the word).
   */
  exited(nodeId: string, terminalId: string, exitCode: number | null, replace = true): void {
    const terminals = this.known.get(nodeId);
    const info = terminals?.get(terminalId);
    if (!terminals || !info || (info.state === 'exited' && !replace)) return;
    terminals.set(terminalId, { ...info, state: 'exited', exitCode });
  }

  /** Records a client subscription. */
  subscribe(subscription: RoutedSubscription): void {
    this.subscriptions.set(subscription.subscriptionId, subscription);
  }

  /** The open client subscription `subscriptionId`, or undefined. */
  subscription(subscriptionId: string): RoutedSubscription | undefined {
    return this.subscriptions.get(subscriptionId);
  }

  /** Removes a client subscription; returns it if it was open. */
  unsubscribe(subscriptionId: string): RoutedSubscription | undefined {
    const subscription = this.subscriptions.get(subscriptionId);
    this.subscriptions.delete(subscriptionId);
    return subscription;
  }

  /** The open subscriptions on `nodeId`. */
  subscriptionsOf(nodeId: string): RoutedSubscription[] {
    return [...this.subscriptions.values()].filter((s) => s.nodeId === nodeId);
  }

  /**
   * `nodeId` is gone: its known terminals still running become lost (listed as exited with
   * `exitReason: 'node-lost'`); returns them and the subscriptions that were open on it (now
   * dropped). Terminals already seen to exit keep their real exit and are listed as such.
   * `mayStillRun`: the node may be stalled rather than dead, so those terminals may still run.
   */
  nodeLost(
    nodeId: string,
    mayStillRun = true,
  ): { terminals: TerminalInfo[]; subscriptions: RoutedSubscription[] } {
    const subscriptions = this.subscriptionsOf(nodeId);
    for (const s of subscriptions) this.subscriptions.delete(s.subscriptionId);
    const known = [...(this.known.get(nodeId)?.values() ?? [])];
    const terminals = known
      .filter((t) => t.state !== 'exited')
      .map((t): TerminalInfo => ({ ...t, state: 'exited', exitCode: null, exitReason: 'node-lost' }));
    const exited = known.filter((t) => t.state === 'exited');
    this.known.delete(nodeId);
    this.lostNodes.set(nodeId, [...(this.lostNodes.get(nodeId) ?? []), ...exited, ...terminals]);
    if (mayStillRun && terminals.length > 0) this.maybeRunning.add(nodeId);
    // A node lost by its TTL and then deleted (forgotten) or restarted: nothing of it runs now.
    if (!mayStillRun) this.maybeRunning.delete(nodeId);
    return { terminals, subscriptions };
  }

  /** `nodeId` is live again: its own listing speaks for its terminals from now on. */
  nodeUp(nodeId: string): void {
    this.lostNodes.delete(nodeId);
    this.maybeRunning.delete(nodeId);
  }

  /**
   * Lost nodes that may still run terminals (of `agentId`, when given) that were running when they
   * were lost: a bulk control cannot reach them, so it must not look complete while they are away.
   */
  unreachedLost(agentId: string | undefined): string[] {
    return [...this.maybeRunning].filter((nodeId) =>
      (this.lostNodes.get(nodeId) ?? []).some(
        (t) => t.exitReason === 'node-lost' && (agentId === undefined || t.agentId === agentId),
      ),
    );
  }

  /** Terminals of lost nodes that match `filter`, for `terminal.list`. */
  lostTerminals(filter: ListParams): TerminalInfo[] {
    return [...this.lostNodes.values()]
      .flat()
      .filter(
        (t) =>
          (filter.agentId === undefined || t.agentId === filter.agentId) &&
          (filter.state === undefined || filter.state === 'exited'),
      );
  }
}
