// `ClientTransaction`: one open transaction. Commands are sent together at commit, where the
// server admits all of them (plugins, policy, quotas) before any runs: if one is denied, none runs.
// Same methods and results as core's in-process `Transaction`: `add`, `commit`, `rollback`.
import type {
  BatchItemResult,
  ExecuteCommand,
  Methods,
  RpcPeer,
  TxCommitParams,
  TxRollbackResult,
} from '@orchflow/protocol/runtime';
import { assertKnownCommands, assertKnownOptions } from './option-keys';

/** Options of {@link ClientTransaction.commit}: `tx.commit`'s params but the id and commands. */
export type CommitOptions = Omit<TxCommitParams, 'txId' | 'commands'>;

/** An open transaction; created by `OrchflowClient.transaction()`. */
export class ClientTransaction {
  private readonly queued: ExecuteCommand[] = [];

  constructor(
    private readonly peer: RpcPeer<typeof Methods>,
    /** The server's id of this transaction. */
    readonly id: string,
  ) {}

  /** Queues a command; nothing is sent before `commit`. */
  add(
    terminalId: string,
    command: string,
    limits: Omit<ExecuteCommand, 'terminalId' | 'command'> = {},
  ): this {
    this.queued.push({ ...limits, terminalId, command });
    return this;
  }

  /**
   * Admits every queued command followed by `commands`, then runs them; results line up with the
   * commands in that order.
   */
  async commit(commands: ExecuteCommand[] = [], options: CommitOptions = {}): Promise<BatchItemResult[]> {
    assertKnownOptions('commit', options);
    assertKnownCommands([...this.queued, ...commands]);
    const { results } = await this.peer.request(
      'tx.commit',
      { txId: this.id, commands: [...this.queued, ...commands], ...options },
      { timeoutMs: 0 },
    );
    return results;
  }

  /** Discards the transaction without running anything. */
  rollback(): Promise<TxRollbackResult> {
    return this.peer.request('tx.rollback', { txId: this.id });
  }
}
