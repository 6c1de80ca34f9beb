// The orchestrator's batch and transaction-commit calls up to the command runner: their arguments
// are checked (unknown keys, then the protocol's schema) before anything waits or is admitted, and
// a batch's commands run through the runner one by one, each admitted on its own (batch.ts runs
// them; transactions.ts admits a commit's commands together).
import {
  type BatchExecuteParams,
  BatchExecuteParamsSchema,
  type BatchItemResult,
  type ExecuteCommand,
} from '@orchflow/protocol';
import { type BatchOptions, runBatch } from './batch';
import { checkBatchKeys } from './call-checks';
import type { CallContext, CommandRunner } from './commands';
import { invalidParams } from './errors';

/**
 * The commands and options of a batch (`what` = `batch`) or a transaction commit, validated;
 * throws InvalidParams naming what is wrong. `signal` is not a wire field and is not checked here.
 */
export function checkedBatch(
  what: 'batch' | 'transaction',
  commands: ExecuteCommand[],
  options: BatchOptions,
): BatchExecuteParams {
  checkBatchKeys(what, commands, options);
  const { signal: _signal, ...params } = options;
  const checked = BatchExecuteParamsSchema.safeParse({ commands, ...params });
  if (!checked.success) throw invalidParams(`Invalid ${what}: ${checked.error.message}`);
  return checked.data;
}

/** Runs a checked batch with `options` (mode, stopOnError, signal), each command admitted on its own. */
export function runBatchCommands(
  runner: CommandRunner,
  batch: BatchExecuteParams,
  options: BatchOptions,
  context?: CallContext,
): Promise<BatchItemResult[]> {
  const { waitForFloor } = batch;
  return runBatch(batch.commands, options, ({ terminalId, command, ...limits }, _index, signal) =>
    runner.execute(terminalId, command, { ...limits, waitForFloor, signal }, context),
  );
}
