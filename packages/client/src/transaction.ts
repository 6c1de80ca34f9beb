// `ClientTransaction`: one open transaction. Commands are sent together at commit, where the
// server admits all of them (plugins, policy, quotas) before any runs: if one is denied, none runs.
// Same methods and results as core's in-process `Transaction`: `add`, `commit`, `rollback`.
import type {
  BatchItemResult,
  ExecuteCommand,
  Methods,
  RpcPeer,
  ServerCapabilities,
  TxCommitParams,
  TxRollbackResult,
} from '@orchflow/protocol/runtime';
import { assertKnownCommands, assertKnownOptions } from './option-keys';
import { type BatchAbortOptions, batchCancelled, batchRequestOptions } from './remote-batch';

/**
 * Options of {@link ClientTransaction.commit}: `tx.commit`'s params but the id and commands, plus
 * `signal` and `cancelWaitMs` to abort the commit (see {@link BatchAbortOptions}).
 */
export type CommitOptions = Omit<TxCommitParams, 'txId' | 'commands'> & BatchAbortOptions;

/** An open transaction; created by `OrchflowClient.transaction()`. */
export class ClientTransaction {
  private readonly queued: ExecuteCommand[] = [];

  constructor(
    private readonly peer: RpcPeer<typeof Methods>,
    /** The server's id of this transaction. */
    readonly id: string,
    /** The server's capabilities: a commit with a signal needs `cancellation`. */
    private readonly capabilities?: Pick<ServerCapabilities, 'features' | 'transports'>,
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
   * commands in that order. Aborting `options.signal` stops the commit as it stops a batch
   * (`Cancelled`, the results so far in `error.data.results`; see {@link BatchAbortOptions.signal}).
   * A commit ends the transaction whatever its outcome — denied, failed or aborted: commands that
   * ran are not undone, and `rollback()` afterwards rejects with InvalidState.
   */
  async commit(commands: ExecuteCommand[] = [], options: CommitOptions = {}): Promise<BatchItemResult[]> {
    assertKnownOptions('commit', options);
    assertKnownCommands([...this.queued, ...commands]);
    const { signal, cancelWaitMs, ...params } = options;
    const request = batchRequestOptions(this.capabilities, 'commit()', { signal, cancelWaitMs });
    try {
      const { results } = await this.peer.request(
        'tx.commit',
        { txId: this.id, commands: [...this.queued, ...commands], ...params },
        request,
      );
      return results;
    } catch (error) {
      throw batchCancelled(error);
    }
  }

  /** Discards the transaction without running anything. */
  rollback(): Promise<TxRollbackResult> {
    return this.peer.request('tx.rollback', { txId: this.id });
  }
}
