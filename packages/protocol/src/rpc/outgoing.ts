// Checks and shaping of outgoing requests before they reach the wire: params must be an object or
// an array, timeouts are normalized, a progress token is attached as `_meta.progressToken`, and
// the request is registered as pending before it is sent.
import type { z } from 'zod';
import { ErrorCode, OrchflowError } from '../errors';
import { JSONRPC_VERSION, type JsonRpcMessage, type JsonRpcRequest, type RequestId } from '../jsonrpc';
import type { RequestOptions } from './options';
import { cancelledError, type PendingRequests } from './pending-requests';
import { isChannelClosed } from './wire';

/** Normalizes a timeout: `Infinity` becomes 0 (disabled); negative or NaN is a caller mistake. */
export function normalizeTimeout(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `timeoutMs must be a number >= 0 (0 or Infinity disables the timeout); got ${String(timeoutMs)}`,
    );
  }
  return timeoutMs === Number.POSITIVE_INFINITY ? 0 : timeoutMs;
}

/** Rejects params JSON-RPC cannot carry (anything but an object, an array or nothing). */
export function checkParams(method: string, params: unknown): void {
  if (params === undefined || (typeof params === 'object' && params !== null)) return;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Params of '${method}' must be an object or an array (JSON-RPC 2.0), got ${params === null ? 'null' : typeof params}; wrap the value in an object`,
  );
}

/** Adds `_meta.progressToken` to named params, keeping any `_meta` the caller set. */
export function withProgressToken(
  method: string,
  params: unknown,
  token: RequestId,
): Record<string, unknown> {
  return withMeta(method, params, { progressToken: token }, 'asks for progress');
}

/** Adds `members` to the `_meta` of named params, keeping any `_meta` the caller set. */
export function withMeta(
  method: string,
  params: unknown,
  members: Readonly<Record<string, unknown>>,
  why = 'carries _meta',
): Record<string, unknown> {
  if (Array.isArray(params)) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Request '${method}' ${why} but has positional params; _meta needs named (object) params`,
    );
  }
  const named = (params ?? {}) as Record<string, unknown>;
  const meta = typeof named._meta === 'object' && named._meta !== null ? named._meta : {};
  return { ...named, _meta: { ...meta, ...members } };
}

/** What the peer supplies when a request does not say: its default timeout and the map's result schema. */
export interface RequestDefaults {
  timeoutMs: number;
  resultSchema: z.ZodType | undefined;
}

/** Checks a request, registers it as pending and builds its message; throws instead of sending bad input. */
export function prepareRequest(
  pending: PendingRequests,
  method: string,
  params: unknown,
  options: RequestOptions<unknown> = {},
  defaults: RequestDefaults,
): { id: RequestId; message: JsonRpcRequest; promise: Promise<unknown> } {
  checkParams(method, params);
  const timeoutMs = normalizeTimeout(options.timeoutMs ?? defaults.timeoutMs);
  const cancelWaitMs = options.cancelWaitMs ?? 0;
  if (typeof cancelWaitMs !== 'number' || Number.isNaN(cancelWaitMs) || cancelWaitMs < 0) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `cancelWaitMs must be a number >= 0 (0: reject at once on abort); got ${String(cancelWaitMs)}`,
    );
  }
  if (options.signal?.aborted) throw cancelledError(method, options.signal.reason);
  const id = pending.nextRequestId();
  let wireParams = options.meta ? withMeta(method, params, options.meta) : params;
  if (options.onProgress) wireParams = withProgressToken(method, wireParams, id);
  const message: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id, method };
  if (wireParams !== undefined) message.params = wireParams as JsonRpcRequest['params'];
  const promise = pending.add(id, {
    method,
    timeoutMs,
    signal: options.signal,
    onProgress: options.onProgress,
    resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? false,
    resultSchema: options.resultSchema ?? defaults.resultSchema,
    cancelWaitMs,
  });
  return { id, message, promise };
}

/** A notification message; params are checked like a request's. */
export function notificationMessage(method: string, params: unknown): JsonRpcMessage {
  checkParams(method, params);
  return params === undefined
    ? { jsonrpc: JSONRPC_VERSION, method }
    : { jsonrpc: JSONRPC_VERSION, method, params: params as JsonRpcRequest['params'] };
}

/** What a request rejects with when the channel could not send it. */
export function sendFailure(error: unknown): Error {
  if (isChannelClosed(error)) return error as Error;
  const detail = error instanceof Error ? error.message : String(error);
  return new OrchflowError(
    ErrorCode.InternalError,
    `The channel failed to send the request: ${detail}`,
    undefined,
    {
      cause: error,
    },
  );
}
