// Transactions: `begin` opens one; `commit` admits ALL its commands first (the same admission as
// `execute`) and runs them only if every one was admitted — otherwise none runs and the error
// names the command and why. Open transactions are bounded in number and expire, so callers that
// never commit cannot grow memory.
import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type ExecuteCommand,
  OrchflowError,
  type TxCommitResult,
  type TxRollbackResult,
} from '@orchflow/protocol';
import { type BatchOptions, runBatch } from './batch';
import type { Admission, CommandRunner } from './commands';

/** Limits of the transaction table. */
export interface TransactionLimits {
  maxOpen: number;
  ttlMs: number;
}

function unknownTx(txId: string): OrchflowError {
  return new OrchflowError(
    ErrorCode.InvalidState,
    `Transaction '${txId}' is not open: it was never begun, was already committed or rolled back, or expired`,
    { txId },
  );
}

function preview(command: string): string {
  return command.length > 80 ? `${command.slice(0, 77)}...` : command;
}

/** Open transactions and their commit. */
export class TransactionManager {
  // txId → time it was begun.
  private readonly open = new Map<string, number>();

  /** A table with `limits`, committing through `runner`. */
  constructor(
    private readonly runner: CommandRunner,
    private readonly limits: TransactionLimits,
  ) {}

  /** Opens a transaction; throws Overloaded when too many are open. */
  begin(): string {
    this.expire();
    if (this.open.size >= this.limits.maxOpen) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `${this.open.size} transactions are open (limit ${this.limits.maxOpen}); commit or roll back some first`,
        { open: this.open.size, limit: this.limits.maxOpen },
      );
    }
    const txId = `tx-${randomUUID()}`;
    this.open.set(txId, Date.now());
    return txId;
  }

  /** Admits every command, then runs them; if any is denied none runs. Ends the transaction either way. */
  async commit(
    txId: string,
    commands: readonly ExecuteCommand[],
    options: BatchOptions,
  ): Promise<TxCommitResult> {
    this.expire();
    if (!this.open.delete(txId)) throw unknownTx(txId);
    const admitted: Admission[] = [];
    for (const [index, cmd] of commands.entries()) {
      try {
        admitted.push(await this.runner.admit(cmd.terminalId, cmd.command));
      } catch (error) {
        const cause = OrchflowError.from(error);
        throw new OrchflowError(
          cause.code,
          `Transaction ${txId} was not committed and no command ran: command #${index + 1} ('${preview(cmd.command)}') on terminal ${cmd.terminalId} was refused: ${cause.message}`,
          { txId, index, terminalId: cmd.terminalId, cause: cause.toJson() },
          { cause },
        );
      }
    }
    const results = await runBatch(
      commands,
      { mode: options.mode, stopOnError: options.stopOnError ?? true },
      (cmd, index) => {
        const { command: _c, terminalId: _t, ...limits } = cmd;
        return this.runner.run(admitted[index] as Admission, limits);
      },
    );
    return { txId, results };
  }

  /** Discards an open transaction; throws InvalidState for an unknown one. */
  rollback(txId: string): TxRollbackResult {
    this.expire();
    if (!this.open.delete(txId)) throw unknownTx(txId);
    return { txId, rolledBack: true };
  }

  /** Drops every open transaction (shutdown). */
  clear(): void {
    this.open.clear();
  }

  private expire(): void {
    const cutoff = Date.now() - this.limits.ttlMs;
    for (const [txId, begun] of this.open) if (begun < cutoff) this.open.delete(txId);
  }
}
