// Runs the commands of a batch or a committed transaction and reports one BatchItemResult per
// command, in the given order. Sequential: one after another. Parallel: every terminal runs its
// commands in order while different terminals run at once (a terminal serializes commands
// anyway). With `stopOnError`, the first failure (an error, a non-zero exit code or a timeout)
// stops the batch and every command not yet started is reported as Cancelled.
import {
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

/** Runs `commands` with `runOne(command, index)` and collects the results. */
export async function runBatch(
  commands: readonly ExecuteCommand[],
  { mode = 'sequential', stopOnError = false }: BatchOptions,
  runOne: (command: ExecuteCommand, index: number) => Promise<ExecResult>,
): Promise<BatchItemResult[]> {
  const results = new Array<BatchItemResult | undefined>(commands.length);
  let stopped = false;
  const runAt = async (index: number): Promise<void> => {
    const command = commands[index] as ExecuteCommand;
    if (stopped) {
      results[index] = cancelled(command);
      return;
    }
    let item: BatchItemResult;
    try {
      item = { ok: true, terminalId: command.terminalId, result: await runOne(command, index) };
    } catch (error) {
      item = { ok: false, terminalId: command.terminalId, error: OrchflowError.from(error).toJson() };
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
  return results as BatchItemResult[];
}
