// `terminal.batchExecute` and transactions in a cluster. A batch runs where its terminals are:
// all on one node → forwarded as is. Commands spanning nodes are refused with `Unsupported`
// (split the batch per node): sequential order, `stopOnError` and a transaction's all-or-nothing
// admission cannot be kept across nodes without a distributed protocol.
//
// `tx.begin` names no terminals, so the router answers it itself with its own transaction id; at
// `tx.commit` (which carries every command) it opens the transaction on the owning node and
// commits there at once, so admission stays all-or-nothing on that node.
import {
  type BatchExecuteParams,
  type BatchResult,
  ErrorCode,
  OrchflowError,
  type RequestContext,
  type TxBeginResult,
  type TxCommitParams,
  type TxCommitResult,
  type TxRollbackResult,
} from '@orchflow/protocol';
import { forwardOptions } from './forwarding';
import type { NodeLink } from './node-link';
import type { RouterContext } from './router-context';

/** Open (begun, not committed) transactions per client before the oldest is discarded. */
export const MAX_OPEN_CLUSTER_TRANSACTIONS = 1024;

/** Runs a batch on the one node that owns all its terminals. */
export function batchInCluster(
  router: RouterContext,
  params: BatchExecuteParams,
  context: RequestContext,
): Promise<BatchResult> {
  const link = singleNode(router, params.commands, 'terminal.batchExecute');
  return link.call<BatchResult>('terminal.batchExecute', params, forwardOptions(context));
}

/** The router's transactions: ids it handed out and not yet committed or rolled back. */
export class ClusterTransactions {
  private readonly open = new Set<string>();

  /** `tx.begin`: a router transaction id. */
  begin(): TxBeginResult {
    if (this.open.size >= MAX_OPEN_CLUSTER_TRANSACTIONS) {
      const oldest = this.open.values().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
    const txId = `tx-cluster-${crypto.randomUUID()}`;
    this.open.add(txId);
    return { txId };
  }

  /** `tx.commit`: begins and commits on the node owning every command. */
  async commit(
    router: RouterContext,
    params: TxCommitParams,
    context: RequestContext,
  ): Promise<TxCommitResult> {
    this.take(params.txId);
    const link = singleNode(router, params.commands, 'tx.commit');
    const options = forwardOptions(context);
    const { txId } = await link.call<TxBeginResult>('tx.begin', {}, options);
    const result = await link.call<TxCommitResult>('tx.commit', { ...params, txId }, options);
    return { ...result, txId: params.txId };
  }

  /** `tx.rollback`: discards a transaction that was not committed. */
  rollback(txId: string): TxRollbackResult {
    this.take(txId);
    return { txId, rolledBack: true };
  }

  private take(txId: string): void {
    if (!this.open.delete(txId)) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `Unknown transaction '${txId}' (never begun here, already committed or rolled back); call tx.begin first`,
        { txId },
      );
    }
  }
}

function singleNode(
  router: RouterContext,
  commands: readonly { terminalId: string }[],
  method: string,
): NodeLink {
  const owners = new Map<string, string>();
  for (const { terminalId } of commands) {
    const owner = router.book.owner(terminalId);
    owners.set(owner ?? `?${terminalId}`, terminalId);
  }
  if (owners.size > 1) {
    throw new OrchflowError(
      ErrorCode.Unsupported,
      `'${method}' commands span ${owners.size} cluster nodes (${[...owners.keys()].join(', ')}); a batch or transaction runs on one node: split it per node`,
      { feature: 'crossNodeBatch', transport: 'cluster', nodes: [...owners.keys()] },
    );
  }
  const [terminalId] = [...owners.values()];
  return router.linkForTerminal(terminalId as string);
}
