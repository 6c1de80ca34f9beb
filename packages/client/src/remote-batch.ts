// Aborting `terminal.batchExecute` and `tx.commit` over RPC, as `terminal.execute` is aborted
// (remote-execute.ts): the abort sends `$/cancelRequest`, the server interrupts the running
// command(s) and starts no more, and the caller waits up to `cancelWaitMs` for its Cancelled,
// whose `data.results` holds every command's outcome; without that answer in time, the plain
// local Cancelled. A signal already aborted sends nothing.
import {
  type BatchAbortedData,
  type BatchItemResult,
  ErrorCode,
  isOrchflowError,
  OrchflowError,
  type ServerCapabilities,
} from '@orchflow/protocol/runtime';
import { missingFeature } from './features';
import { EXECUTE_CANCEL_WAIT_MS } from './remote-execute';

/** The abort options of {@link OrchflowClient.batchExecute} and {@link ClientTransaction.commit}. */
export interface BatchAbortOptions {
  /**
   * Aborting stops the batch on the server: the running command(s) are interrupted (as an
   * aborted `execute()`'s), the commands not yet started never start, and the call rejects with
   * `Cancelled`. Once the server has answered (up to `cancelWaitMs`), `error.data.results` holds
   * one BatchItemResult per command, in order: finished ones as they ended, interrupted ones
   * failed with `Cancelled` carrying their partial result in `error.data.result`, the rest failed
   * with `Cancelled` ("Not run: the batch was aborted"). A batch that finished before the abort
   * reached the server also rejects, its whole results in `error.data.results`. A signal already
   * aborted sends nothing and rejects with a plain `Cancelled`.
   */
  signal?: AbortSignal;
  /**
   * After an abort, how long to wait for the server's answer (the results so far) before
   * rejecting with a plain `Cancelled` (no `data`); a dropped connection ends the wait too.
   * Default {@link EXECUTE_CANCEL_WAIT_MS}; `0` rejects at once.
   */
  cancelWaitMs?: number;
}

/**
 * The request options of a batch or commit with `abort`, or throws: a signal needs the server's
 * `cancellation` feature (else the abort would reject while the commands ran on).
 */
export function batchRequestOptions(
  capabilities: Pick<ServerCapabilities, 'features' | 'transports'> | undefined,
  what: string,
  { signal, cancelWaitMs }: BatchAbortOptions,
): { timeoutMs: 0; signal?: AbortSignal; cancelWaitMs?: number } {
  if (!signal) return { timeoutMs: 0 };
  const missing = capabilities && missingFeature(capabilities, 'cancellation', `${what} with a signal`);
  if (missing) throw missing;
  return { timeoutMs: 0, signal, cancelWaitMs: cancelWaitMs ?? EXECUTE_CANCEL_WAIT_MS };
}

/**
 * A cancelled batch's error with its results in `data.results`: the server's Cancelled carries
 * them there already; a batch that completed before the cancellation reached the server arrives
 * as `data.result` (its whole `{ results }`). Any other error as it is.
 */
export function batchCancelled(error: unknown): unknown {
  if (!isOrchflowError(error) || error.code !== ErrorCode.Cancelled) return error;
  const data = error.data as { result?: { results?: unknown } } | undefined;
  const results = data?.result?.results;
  if (!Array.isArray(results)) return error;
  const moved: BatchAbortedData = { results: results as BatchItemResult[] };
  return new OrchflowError(error.code, error.message, moved, { cause: error.cause });
}
