// Building blocks for what RpcPeer puts on the wire: responses, error objects from thrown values,
// InvalidParams errors that name the first bad field, the `_meta` split, and the params schemas of
// the reserved `$/…` notifications.
import * as z from 'zod/mini';
import {
  ErrorCode,
  isOrchflowError,
  isOrchflowLocalError,
  OrchflowError,
  type OrchflowErrorJson,
} from '../errors';
import {
  JSONRPC_VERSION,
  type JsonRpcErrorResponse,
  type JsonRpcResponse,
  type RequestId,
  RequestIdSchema,
} from '../jsonrpc';
import type { ProgressToken } from '../schemas/common';
import { recordedUnknownKeys } from '../unknown-keys';

/** Params of `$/cancelRequest`. */
export const CancelParamsSchema = z.object({ id: RequestIdSchema });
/** Params of `$/progress`. */
export const ProgressParamsSchema = z.object({
  token: z.union([z.string(), z.number()]),
  value: z.unknown(),
});

/** A success response; `undefined` becomes `null` because JSON-RPC requires a `result` member. */
export function successResponse(id: RequestId, result: unknown): JsonRpcResponse {
  return {
    jsonrpc: JSONRPC_VERSION,
    id,
    result: result === undefined ? null : result,
  };
}

/** An error response. */
export function errorResponse(id: RequestId | null, error: OrchflowErrorJson): JsonRpcErrorResponse {
  return { jsonrpc: JSONRPC_VERSION, id, error };
}

/**
 * The wire form of anything a handler threw. Only an `OrchflowError` chooses its code; local
 * errors map via `OrchflowError.from`; anything else is InternalError with its message, no stack.
 * A served request's InternalError goes out through `internalFailure` (internal-error.ts), which
 * adds its error id and, for remote callers, replaces the message.
 */
export function toWireError(error: unknown): OrchflowErrorJson {
  if (isOrchflowError(error) || isOrchflowLocalError(error)) return OrchflowError.from(error).toJson();
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: ErrorCode.InternalError,
    message: message || 'Internal error',
  };
}

/** Zod issues reduced to JSON-safe data (symbols in paths become strings). */
export function issuesToJson(issues: readonly z.core.$ZodIssue[]): unknown[] {
  return issues.map((issue) => ({
    ...issue,
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
  }));
}

/** `params.config.cols` / `params.items[2]` — where an issue points, for error messages. */
export function formatPath(path: readonly PropertyKey[], root = 'params'): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/**
 * An error whose message names the first failing field and whose data holds all zod issues; when
 * the first is keys a strict schema does not take, the data also has `unknownKeys`, `suggestion`
 * and `knownKeys`, as core's and the client's in-process checks give them.
 */
export function schemaError(
  code: number,
  what: string,
  error: z.core.$ZodError,
  root: string,
): OrchflowError {
  const first = error.issues[0];
  const where = first ? ` at ${formatPath(first.path, root)}: ${first.message}` : '';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more issue(s))` : '';
  const unknownKeys = first ? recordedUnknownKeys(first) : undefined;
  return new OrchflowError(code, `${what}${where}${more}`, {
    ...unknownKeys,
    issues: issuesToJson(error.issues),
  });
}

/** Params with `_meta` removed, plus what `_meta` carried. */
export interface SplitParams {
  /** The params the schema sees. */
  params: unknown;
  /** The caller's progress token, if any. */
  progressToken: ProgressToken | undefined;
  /** The `_meta` object as sent (a W3C `traceparent`, say), or undefined when there was none. */
  meta: Readonly<Record<string, unknown>> | undefined;
  /** True when the params object held nothing but `_meta` (treated as absent if the schema wants). */
  onlyMeta: boolean;
}

/** Separates the protocol's `_meta` member from the method's own params. */
export function splitMeta(params: unknown): SplitParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params) || !('_meta' in params)) {
    return { params, progressToken: undefined, meta: undefined, onlyMeta: false };
  }
  const { _meta, ...rest } = params as Record<string, unknown>;
  const meta =
    typeof _meta === 'object' && _meta !== null && !Array.isArray(_meta)
      ? (_meta as Record<string, unknown>)
      : undefined;
  const token = meta?.progressToken;
  return {
    params: rest,
    progressToken: typeof token === 'string' || typeof token === 'number' ? token : undefined,
    meta,
    onlyMeta: Object.keys(rest).length === 0,
  };
}

/** The outcome of checking a value against a schema. */
export type ParamsCheck = { success: true; data: unknown } | { success: false; error: z.core.$ZodError };

/**
 * Checks `value` against a classic zod or zod/mini schema (RpcPeer takes either; the browser
 * client registers zod/mini ones so its bundle carries no classic zod).
 */
export function checkValue(schema: z.core.$ZodType, value: unknown): ParamsCheck {
  return z.safeParse(schema, value);
}

/**
 * Validates incoming params. A params object that held only `_meta` was sent for a method without
 * params, so when the schema rejects `{}` it is retried as absent params.
 */
export function parseParams(schema: z.core.$ZodType, split: SplitParams): ParamsCheck {
  const result = checkValue(schema, split.params);
  // JSON-RPC lets a request omit `params`: then a method whose params are all optional gets `{}`.
  // Only `_meta` counts as omitted too.
  if (result.success || !(split.onlyMeta || split.params === undefined)) return result;
  for (const absent of [undefined, {}]) {
    const parsed = checkValue(schema, absent);
    if (parsed.success) return parsed;
  }
  return result;
}

/** Any thrown value as an `Error`, for reporting. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** True for the `ChannelClosedError` a closed channel rejects with: an expected end, not a fault. */
export function isChannelClosed(error: unknown): boolean {
  return isOrchflowLocalError(error) && error.code === ErrorCode.ChannelClosed;
}
