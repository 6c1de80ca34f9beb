// `terminal.execute` over RPC: the checks of its options made before anything is sent (unknown
// keys, features the connection lacks, limits JSON cannot carry), the request's own timeout and
// post-abort wait for the partial result, and progress notifications delivered as `onOutput`
// chunks and the `onStart` offset.
import {
  ErrorCode,
  type ExecResult,
  type ExecuteOptions,
  type Methods,
  OrchflowError,
  type OutputChunk,
  type RpcPeer,
  type ServerCapabilities,
} from '@orchflow/protocol/runtime';
import { missingFeature } from './features';
import { ProgressParams } from './notification-schemas';
import { unknownOption } from './option-keys';

/** Extra time a request waits beyond a command's own `timeoutMs` before giving up on the server. */
export const EXECUTE_RESPONSE_MARGIN_MS = 30_000;

/**
 * How long an aborted `execute()` waits by default for the server's answer, which carries the
 * partial result: 5 s. The server interrupts the command first (SIGINT, then SIGKILL after 2 s
 * for a command that ignores it) and the shell shows its prompt; the rest is room for the trip.
 */
export const EXECUTE_CANCEL_WAIT_MS = 5_000;

/** Options of {@link RemoteTerminal.execute}. */
export interface RemoteExecuteOptions extends ExecuteOptions {
  /** Receives the command's raw output (escapes not stripped) while it runs. */
  onOutput?: (chunk: OutputChunk) => void;
  /**
   * Called once the server admitted the command (plugins and policy passed) and queued it, with
   * the offset its output will start at or after. Servers listing the `executeStarted` feature call it.
   */
  onStart?: (offset: number) => void;
  /**
   * Aborting interrupts the command on the server; the call rejects with `Cancelled`, as in
   * process: once the server has answered (up to `cancelWaitMs`), with the partial result of a
   * command that had started in `error.data.result`. A command that finished before the
   * interrupt reached it also rejects, its whole result in `error.data.result`.
   */
  signal?: AbortSignal;
  /**
   * After an abort, how long to wait for the server's answer, the partial result, before
   * rejecting with a plain `Cancelled` (no `data`); a dropped connection ends the wait too.
   * Default {@link EXECUTE_CANCEL_WAIT_MS}; `0` rejects at once.
   */
  cancelWaitMs?: number;
  /**
   * While a person holds the terminal's floor, wait for them to hand it back instead of failing
   * with `FloorHeld`; `timeoutMs` bounds the wait and the command together.
   */
  waitForFloor?: boolean;
  /**
   * How long to wait for the response. Default: `timeoutMs` plus {@link EXECUTE_RESPONSE_MARGIN_MS},
   * or no limit when the command has no `timeoutMs` (commands may legitimately run for hours).
   */
  requestTimeoutMs?: number;
  /**
   * Members for the request's `_meta`: a W3C `traceparent` (and `tracestate`) makes the server's
   * spans of this command children of your span, and the command's TRACEPARENT names its own
   * span (see docs/observability.md, Traces). E.g. with OpenTelemetry:
   * `const meta = {}; propagation.inject(context.active(), meta)`.
   */
  meta?: Readonly<Record<string, string>>;
}

/**
 * Sends `command` to run in terminal `terminalId` and resolves with the server's result; an option
 * refused here rejects before anything is sent.
 */
export function requestExecute(
  peer: RpcPeer<typeof Methods>,
  capabilities: ServerCapabilities,
  terminalId: string,
  command: string,
  options: RemoteExecuteOptions,
): Promise<ExecResult> {
  const unknown = unknownOption('execute', options);
  if (unknown) return Promise.reject(unknown);
  const { onOutput, onStart, signal, cancelWaitMs, requestTimeoutMs, meta, ...limits } = options;
  // Without these features chunks would silently never come, and an abort would reject while
  // the command ran on (`onStart` needs no check: it is documented to fire only where offered).
  const missing =
    (onOutput ? missingFeature(capabilities, 'executeProgress', 'execute() with onOutput') : undefined) ??
    (signal ? missingFeature(capabilities, 'cancellation', 'execute() with a signal') : undefined);
  if (missing) return Promise.reject(missing);
  // JSON has no NaN or Infinity (they would arrive as null): say so here, in the words the
  // server uses for the rest of these checks.
  for (const name of ['timeoutMs', 'idleTimeoutMs', 'maxOutputBytes'] as const) {
    const value: unknown = limits[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      return Promise.reject(
        new OrchflowError(
          ErrorCode.InvalidParams,
          `Invalid execute options at options.${name}: expected a finite number, received ${String(value)}`,
        ),
      );
    }
  }
  const timeoutMs =
    requestTimeoutMs ??
    (limits.timeoutMs === undefined || limits.timeoutMs <= 0
      ? 0
      : limits.timeoutMs + EXECUTE_RESPONSE_MARGIN_MS);
  return peer.request(
    'terminal.execute',
    { terminalId, command, ...limits },
    {
      timeoutMs,
      signal,
      cancelWaitMs: cancelWaitMs ?? EXECUTE_CANCEL_WAIT_MS,
      onProgress: onOutput || onStart ? (value) => deliverProgress(value, onOutput, onStart) : undefined,
      ...(meta ? { meta } : {}),
    },
  );
}

/** Hands a `terminal.execute` progress notification to `onStart` (the admission) or `onOutput` (a chunk); a malformed one is dropped. */
function deliverProgress(
  value: unknown,
  onOutput: ((chunk: OutputChunk) => void) | undefined,
  onStart: ((offset: number) => void) | undefined,
): void {
  const parsed = ProgressParams.safeParse(value);
  if (!parsed.success) return;
  const { data, offset, started } = parsed.data;
  if (started) onStart?.(offset);
  else onOutput?.({ data, offset });
}
