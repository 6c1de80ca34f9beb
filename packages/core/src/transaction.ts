// The object form of a transaction: collect commands with `add` (or pass them to `commit`), then
// `commit` or `rollback`. The client's `ClientTransaction` has the same methods and results, so
// code moves between an embedded orchestrator and a remote one unchanged.
import type { BatchItemResult, ExecuteCommand, TxRollbackResult } from '@orchflow/protocol';
import type { BatchOptions } from './batch';
import type { Orchestrator } from './orchestrator';

/** A transaction being built; its commands are admitted together at `commit`. */
export class Transaction {
  private readonly queued: ExecuteCommand[] = [];

  /** @internal Created by `orch.transaction()`. */
  constructor(
    private readonly orch: Orchestrator,
    /** The transaction id. */
    readonly id: string,
  ) {}

  /** Queues a command; nothing runs before `commit`. */
  add(
    terminalId: string,
    command: string,
    limits: Omit<ExecuteCommand, 'terminalId' | 'command'> = {},
  ): this {
    this.queued.push({ ...limits, terminalId, command });
    return this;
  }

  /**
   * Admits every queued command followed by `commands`, then runs them, or runs none if any is
   * denied. Results line up with the commands in that order. Aborting `options.signal` stops the
   * commit (Cancelled, the results so far in `error.data.results`; see `BatchOptions.signal`); a
   * commit ends the transaction whatever its outcome.
   */
  async commit(commands: ExecuteCommand[] = [], options?: BatchOptions): Promise<BatchItemResult[]> {
    const { results } = await this.orch.commitTransaction(this.id, [...this.queued, ...commands], options);
    return results;
  }

  /** Discards the transaction without running anything. */
  async rollback(): Promise<TxRollbackResult> {
    return this.orch.rollbackTransaction(this.id);
  }
}
