// Params and results of methods that run several commands: `terminal.batchExecute` and the
// transaction methods `tx.begin` / `tx.commit` / `tx.rollback`.
//
// Transaction design: `tx.begin` opens a transaction and returns its id; `tx.commit` carries the
// transaction's commands and runs them. There is no per-command queueing call, so a transaction
// is never half-built on the server and `terminal.execute` keeps one result type. At commit every
// command is admitted first (plugins, policy, quotas): if any is denied, none runs and the commit
// fails with that error. `tx.rollback` discards a transaction that was not committed; commands
// that already ran cannot be undone. An open transaction ends when its connection closes.
import { z } from 'zod';
import { JsonRpcErrorObjectSchema } from '../jsonrpc';
import { ProtocolLimits, TerminalIdSchema, TxIdSchema } from './common';
import { ExecResultSchema } from './domain';
import { strictParams } from './strict';
import { ExecuteCommandSchema } from './terminal-methods';

/** How a batch runs: one command after another, or all at once (still serialized per terminal). */
export const BatchModeSchema = z.enum(['sequential', 'parallel']);
/** How a batch runs. */
export type BatchMode = z.infer<typeof BatchModeSchema>;

const CommandListSchema = z.array(ExecuteCommandSchema).min(1).max(ProtocolLimits.maxBatchCommands);

/**
 * The outcome of one command of a batch, in the order the commands were given. Commands not run
 * because `stopOnError` stopped the batch report an error with code `ErrorCode.Cancelled`.
 */
export const BatchItemResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), terminalId: TerminalIdSchema, result: ExecResultSchema }),
  // Same shape as a JSON-RPC error object, so `OrchflowError.fromJson` rebuilds it.
  z.object({ ok: z.literal(false), terminalId: TerminalIdSchema, error: JsonRpcErrorObjectSchema }),
]);
/** The outcome of one command of a batch. */
export type BatchItemResult = z.infer<typeof BatchItemResultSchema>;

/** Results of a batch or a committed transaction, one per command in the given order. */
export const BatchResultSchema = z.object({ results: z.array(BatchItemResultSchema) });
/** Results of a batch or a committed transaction. */
export type BatchResult = z.infer<typeof BatchResultSchema>;

/**
 * The `data` of the `Cancelled` an aborted batch or transaction commit (`terminal.batchExecute`,
 * `tx.commit`) rejects with: every command's outcome when the abort stopped it.
 */
export interface BatchAbortedData {
  /** One result per command, in order: what ran, what was interrupted, what never started. */
  results: BatchItemResult[];
}

/** Params of `terminal.batchExecute`. */
export const BatchExecuteParamsSchema = strictParams({
  commands: CommandListSchema,
  /** Default `sequential`. */
  mode: BatchModeSchema.optional(),
  /**
   * Stop at the first command that fails (an error, a non-zero exit code, or a timeout); the rest
   * are reported as cancelled. In parallel mode, commands not yet started are cancelled. Default false.
   */
  stopOnError: z.boolean().optional(),
  /**
   * Each command waits while a person holds its terminal's floor instead of failing with
   * `FloorHeld`, bounded by its own `timeoutMs` as for `terminal.execute`. Default false.
   */
  waitForFloor: z.boolean().optional(),
});
/** Params of `terminal.batchExecute`. */
export type BatchExecuteParams = z.infer<typeof BatchExecuteParamsSchema>;

/** Params of `tx.begin`; none are defined yet. */
export const TxBeginParamsSchema = strictParams({});
/** Params of `tx.begin`. */
export type TxBeginParams = z.infer<typeof TxBeginParamsSchema>;

/** Result of `tx.begin`. */
export const TxBeginResultSchema = z.object({ txId: TxIdSchema });
/** Result of `tx.begin`. */
export type TxBeginResult = z.infer<typeof TxBeginResultSchema>;

/** Params of `tx.commit`: the transaction's commands, admitted together and then run. */
export const TxCommitParamsSchema = strictParams({
  txId: TxIdSchema,
  commands: CommandListSchema,
  /** Default `sequential`. */
  mode: BatchModeSchema.optional(),
  /** As for `terminal.batchExecute`, but default true: a transaction stops at its first failure. */
  stopOnError: z.boolean().optional(),
});
/** Params of `tx.commit`. */
export type TxCommitParams = z.infer<typeof TxCommitParamsSchema>;

/** Result of `tx.commit`. */
export const TxCommitResultSchema = BatchResultSchema.extend({ txId: TxIdSchema });
/** Result of `tx.commit`. */
export type TxCommitResult = z.infer<typeof TxCommitResultSchema>;

/** Params of `tx.rollback`. An unknown or committed `txId` fails with `ErrorCode.InvalidState`. */
export const TxRollbackParamsSchema = strictParams({ txId: TxIdSchema });
/** Params of `tx.rollback`. */
export type TxRollbackParams = z.infer<typeof TxRollbackParamsSchema>;

/** Result of `tx.rollback`. */
export const TxRollbackResultSchema = z.object({ txId: TxIdSchema, rolledBack: z.literal(true) });
/** Result of `tx.rollback`. */
export type TxRollbackResult = z.infer<typeof TxRollbackResultSchema>;
