// `ClientTransaction`: one open transaction. Commands are sent together at commit, where the
// server admits all of them (plugins, policy, quotas) before any runs: if one is denied, none runs.
import type { BatchItemResult, ExecuteCommand, Methods, RpcPeer, TxCommitParams } from '@orchflow/protocol';

/** Options of {@link ClientTransaction.commit}: `tx.commit`'s params but the id and commands. */
export type CommitOptions = Omit<TxCommitParams, 'txId' | 'commands'>;

/** An open transaction; created by `OrchflowClient.transaction()`. */
export class ClientTransaction {
  constructor(
    private readonly peer: RpcPeer<typeof Methods>,
    /** The server's id of this transaction. */
    readonly id: string,
  ) {}

  /** Admits every command, then runs them; results line up with `commands`. */
  async commit(commands: ExecuteCommand[], options: CommitOptions = {}): Promise<BatchItemResult[]> {
    const { results } = await this.peer.request(
      'tx.commit',
      { txId: this.id, commands, ...options },
      { timeoutMs: 0 },
    );
    return results;
  }

  /** Discards the transaction without running anything. */
  async rollback(): Promise<void> {
    await this.peer.request('tx.rollback', { txId: this.id });
  }
}
