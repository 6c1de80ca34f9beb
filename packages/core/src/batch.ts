// Runs the commands of a batch or a committed transaction and reports one BatchItemResult per
// command, in the given order. Sequential: one after another. Parallel: every terminal runs its
// commands in order while different terminals run at once (a terminal serializes commands
// anyway). With `stopOnError`, the first failure (an error, a non-zero exit code or a timeout)
// stops the batch and every command not yet started is reported as Cancelled. Aborting `signal`
// interrupts the command(s) running (as an execute's signal does), starts nothing more, and
// rejects with Cancelled whose `data.results` holds every command's outcome so far.
import {
  type BatchAbortedData,
  type BatchItemResult,
  type BatchMode,
  ErrorCode,
  type ExecResult,
  type ExecuteCommand,
  OrchflowError,
} from '@orchflow/protocol';

/** Options of a batch run. */
export interface BatchOptions {
  /** Default `sequential`. */
  mode?: BatchMode;
  /** Default false for batches, true for transactions. */
  stopOnError?: boolean;
  /**
   * Aborting stops the batch: the running command(s) are interrupted as an `execute`'s `signal`
   * interrupts its command, the commands not yet started never start, and the call rejects with
   * `Cancelled` whose `data.results` ({@link BatchAbortedData}) is one BatchItemResult per
   * command, in order — finished ones as they ended, interrupted ones failed with `Cancelled`
   * carrying their partial result in `error.data.result`, and the rest failed with `Cancelled`
   * ("Not run: the batch was aborted"). Aborted before the call, nothing runs.
   */
  signal?: AbortSignal;
}

/** Options of `Orchestrator.batchExecute`: a batch's, plus waiting for floors. */
export interface BatchExecuteOptions extends BatchOptions {
  /** Each command waits while a person holds its terminal's floor (see `OrchestratorExecOptions.waitForFloor`). */
  waitForFloor?: boolean;
}

/** True when a command's outcome counts as a failure for `stopOnError`. */
function failed(item: BatchItemResult): boolean {
  return !item.ok || item.result.exitCode !== 0 || item.result.timedOut;
}

function cancelled(command: ExecuteCommand): BatchItemResult {
  return {
    ok: false,
    terminalId: command.terminalId,
    error: new OrchflowError(
      ErrorCode.Cancelled,
      'Not run: an earlier command of the batch failed and stopOnError is set',
    ).toJson(),
  };
}

function hasResult(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'result' in data;
}

function notRun(command: ExecuteCommand): BatchItemResult {
  return {
    ok: false,
    terminalId: command.terminalId,
    error: new OrchflowError(ErrorCode.Cancelled, 'Not run: the batch was aborted').toJson(),
  };
}

/** Every command reported "Not run: the batch was aborted" (a commit aborted before any ran). */
export function noneRun(commands: readonly ExecuteCommand[]): BatchItemResult[] {
  return commands.map(notRun);
}

/** The Cancelled an aborted batch or commit rejects with; `what` names it ("Batch", "Transaction tx-…"). */
export function batchAborted(what: string, results: BatchItemResult[]): OrchflowError {
  const data: BatchAbortedData = { results };
  return new OrchflowError(
    ErrorCode.Cancelled,
    `${what} was aborted; each command's outcome (finished, interrupted with its partial result, or not run) is in error.data.results`,
    data,
  );
}

/**
 * Runs `commands` with `runOne(command, index, signal)` and collects the results. `signal` is
 * handed to every `runOne`; once it aborted, no command starts (each is reported "Not run") and
 * the whole run rejects with {@link batchAborted}.
 */
export async function runBatch(
  commands: readonly ExecuteCommand[],
  { mode = 'sequential', stopOnError = false, signal }: BatchOptions,
  runOne: (command: ExecuteCommand, index: number, signal: AbortSignal | undefined) => Promise<ExecResult>,
  what = 'Batch',
): Promise<BatchItemResult[]> {
  const results = new Array<BatchItemResult | undefined>(commands.length);
  let stopped = false;
  const runAt = async (index: number): Promise<void> => {
    const command = commands[index] as ExecuteCommand;
    if (signal?.aborted) {
      results[index] = notRun(command);
      return;
    }
    if (stopped) {
      results[index] = cancelled(command);
      return;
    }
    let item: BatchItemResult;
    try {
      item = { ok: true, terminalId: command.terminalId, result: await runOne(command, index, signal) };
    } catch (error) {
      const failure = OrchflowError.from(error);
      // Cancelled by the abort before it started (queued behind its terminal's earlier commands,
      // waiting for the floor): not run. One that had started carries its partial `data.result`.
      item =
        signal?.aborted && failure.code === ErrorCode.Cancelled && !hasResult(failure.data)
          ? notRun(command)
          : { ok: false, terminalId: command.terminalId, error: failure.toJson() };
    }
    results[index] = item;
    if (stopOnError && failed(item)) stopped = true;
  };
  if (mode === 'sequential') {
    for (let i = 0; i < commands.length; i++) await runAt(i);
  } else {
    const lanes = new Map<string, number[]>();
    commands.forEach((c, i) => {
      lanes.set(c.terminalId, [...(lanes.get(c.terminalId) ?? []), i]);
    });
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (const i of lane) await runAt(i);
      }),
    );
  }
  if (signal?.aborted) throw batchAborted(what, results as BatchItemResult[]);
  return results as BatchItemResult[];
}
