// The object form of a transaction: collect commands with `add`, then `commit` or `rollback`.
import type { ExecuteCommand, TxCommitResult, TxRollbackResult } from '@orchflow/protocol';
import type { BatchOptions } from './batch';
import type { Orchestrator } from './orchestrator';

/** A transaction being built; its commands are admitted together at `commit`. */
export class Transaction {
  private readonly commands: ExecuteCommand[] = [];

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
    this.commands.push({ ...limits, terminalId, command });
    return this;
  }

  /** Admits every queued command and runs them, or runs none if any is denied. */
  commit(options?: BatchOptions): Promise<TxCommitResult> {
    return this.orch.commitTransaction(this.id, this.commands, options);
  }

  /** Discards the transaction. */
  rollback(): TxRollbackResult {
    return this.orch.rollbackTransaction(this.id);
  }
}
