// Transactions: `begin` opens one; `commit` admits ALL its commands first (the same admission as
// `execute`, each also judged together with the earlier commands on its terminal, so a `cd` among
// them counts) and runs them only if every one was admitted — otherwise none runs and the error
// names the command and why. Each command is checked once more against its terminal's live cwd
// right before it runs (another caller may have moved it meanwhile); one that fails that check
// does not run, reports PolicyDenied, and every command not yet started is skipped (Cancelled),
// whatever `stopOnError` says. Aborting the commit's `signal` stops it as it stops a batch:
// during admission nothing runs; afterwards the running command(s) are interrupted and no more
// start. Either way it rejects with Cancelled, `data.results` one outcome per command. A commit
// ends its transaction whatever happens (denied, failed or aborted): there is nothing left to roll
// back, since commands that ran are not undone, and a rollback after it is InvalidState. Open
// transactions are bounded in number and expire, so callers that never commit cannot grow memory.
import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type ExecuteCommand,
  OrchflowError,
  type TxCommitResult,
  type TxRollbackResult,
} from '@orchflow/protocol';
import { type BatchOptions, batchAborted, noneRun, runBatch } from './batch';
import type { Admission, CallContext, CommandRunner } from './commands';

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

function skipped(refusedAt: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.Cancelled,
    `Not run: command #${refusedAt + 1} of the transaction was denied when re-checked right before it ran`,
    { refusedIndex: refusedAt },
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
    context: CallContext = {},
  ): Promise<TxCommitResult> {
    this.expire();
    if (!this.open.delete(txId)) throw unknownTx(txId);
    const { signal } = options;
    const admitted: Admission[] = [];
    const earlier = new Map<string, string[]>();
    // Aborted before or during admission: none runs, every command is reported not run.
    const abortedUnrun = (): OrchflowError => batchAborted(`Transaction ${txId}`, noneRun(commands));
    for (const [index, cmd] of commands.entries()) {
      if (signal?.aborted) throw abortedUnrun();
      const preceding = earlier.get(cmd.terminalId) ?? [];
      try {
        admitted.push(await this.runner.admit(cmd.terminalId, cmd.command, { ...context, preceding }));
        earlier.set(cmd.terminalId, [...preceding, cmd.command]);
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
    if (signal?.aborted) throw abortedUnrun();
    let refusedAt: number | undefined;
    const results = await runBatch(
      commands,
      { mode: options.mode, stopOnError: options.stopOnError ?? true, signal },
      async (cmd, index, signal) => {
        if (refusedAt !== undefined) throw skipped(refusedAt);
        const { command: _c, terminalId: _t, ...limits } = cmd;
        try {
          return await this.runner.runAdmitted(admitted[index] as Admission, { ...limits, signal });
        } catch (error) {
          if (OrchflowError.from(error).code === ErrorCode.PolicyDenied) refusedAt ??= index;
          throw error;
        }
      },
      `Transaction ${txId}`,
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
