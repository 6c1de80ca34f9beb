// Handlers of `terminal.batchExecute` and the transaction methods. A batch command on a terminal
// the principal may not see fails as that command's TerminalNotFound, exactly like a terminal that
// does not exist (it is sent to the orchestrator under an id that cannot exist, then reported
// under its own id). A transaction is admitted as a whole, so one such command fails the commit.
// Transactions are private to the connection that began them.
import { randomUUID } from 'node:crypto';
import {
  type BatchAbortedData,
  type BatchItemResult,
  ErrorCode,
  type ExecuteCommand,
  isOrchflowError,
  OrchflowError,
  type TxCommitResult,
} from '@orchflow/protocol';
import { terminalNotFound } from '../errors';
import type { Connection } from './connection';
import type { HandlerContext } from './handler-context';
import type { PrincipalScope } from './principal-scope';

/** Registers batchExecute, tx.begin, tx.commit and tx.rollback. */
export function registerBatchHandlers({ orch, conn, serve }: HandlerContext): void {
  serve('terminal.batchExecute', async ({ commands, mode, stopOnError, waitForFloor }, scope, request) => {
    const hidden = hiddenCommands(orch.listTerminals(), scope, commands);
    const masked = commands.map((c, i) =>
      hidden.has(i) ? { ...c, terminalId: `hidden-${randomUUID()}` } : c,
    );
    const context = { principal: scope.principal, floorKey: conn.floorKey };
    // `$/cancelRequest` aborts request.signal: the batch rejects with Cancelled, `data.results`.
    const options = { mode, stopOnError, waitForFloor, signal: request.signal };
    const unmasked = (results: BatchItemResult[]): BatchItemResult[] =>
      results.map((r, i) => (hidden.has(i) ? unmask(r, commands[i] as ExecuteCommand) : r));
    let results: BatchItemResult[];
    try {
      results = unmasked(await orch.batchExecute(masked, options, context));
    } catch (error) {
      throw abortedResults(error, (partial) => {
        const shown = unmasked(partial);
        countExecuted(conn, shown);
        return shown;
      });
    } finally {
      await outputHandedOut(conn, commands);
    }
    countExecuted(conn, results);
    return { results };
  });

  serve('tx.begin', () => {
    const txId = orch.beginTransaction();
    conn.transactions.add(txId);
    return { txId };
  });

  serve('tx.commit', async ({ txId, commands, mode, stopOnError }, scope, request) => {
    conn.ownTransaction(txId);
    for (const { terminalId } of commands) conn.controllableTerminal('tx.commit', terminalId);
    conn.transactions.delete(txId);
    let result: TxCommitResult;
    try {
      result = await orch.commitTransaction(
        txId,
        commands,
        { mode, stopOnError, signal: request.signal },
        { principal: scope.principal, floorKey: conn.floorKey },
      );
    } catch (error) {
      throw abortedResults(error, (partial) => {
        countExecuted(conn, partial);
        return partial;
      });
    } finally {
      await outputHandedOut(conn, commands);
    }
    countExecuted(conn, result.results);
    return result;
  });

  serve('tx.rollback', ({ txId }) => {
    conn.ownTransaction(txId);
    conn.transactions.delete(txId);
    return orch.rollbackTransaction(txId);
  });
}

/** Indexes of commands addressing an existing terminal the principal may not see. */
function hiddenCommands(
  terminals: readonly { id: string; agentId: string }[],
  scope: PrincipalScope,
  commands: readonly ExecuteCommand[],
): Set<number> {
  const hiddenIds = new Set(terminals.filter((t) => !scope.canControl(t)).map((t) => t.id));
  const hidden = new Set<number>();
  commands.forEach((c, i) => {
    if (hiddenIds.has(c.terminalId)) hidden.add(i);
  });
  return hidden;
}

/** Restores a masked command's id; its not-found error is rebuilt so it names that id. */
function unmask(result: BatchItemResult, command: ExecuteCommand): BatchItemResult {
  if (!result.ok && result.error.code === ErrorCode.TerminalNotFound) {
    return {
      ok: false,
      terminalId: command.terminalId,
      error: terminalNotFound(command.terminalId).toJson(),
    };
  }
  return { ...result, terminalId: command.terminalId };
}

/**
 * An aborted batch's Cancelled (its `data.results`) with `seen` applied to those results; any
 * other error as it is.
 */
function abortedResults(error: unknown, seen: (results: BatchItemResult[]) => BatchItemResult[]): unknown {
  if (!isOrchflowError(error) || error.code !== ErrorCode.Cancelled) return error;
  const data = error.data as Partial<BatchAbortedData> | undefined;
  if (!Array.isArray(data?.results)) return error;
  return new OrchflowError(
    error.code,
    error.message,
    { ...data, results: seen(data.results) },
    { cause: error },
  );
}

function countExecuted(conn: Connection, results: readonly BatchItemResult[]): void {
  conn.commandsExecuted += results.filter((r) => r.ok).length;
}

/** This connection's listeners on the commands' terminals hear their output before the results (or error). */
async function outputHandedOut(conn: Connection, commands: readonly { terminalId: string }[]): Promise<void> {
  await conn.subscriptions.handedOut(...commands.map((c) => c.terminalId));
}
