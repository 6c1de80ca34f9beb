// JSON-RPC 2.0 envelopes. Strict: unknown top-level members make a message invalid, so a typo
// such as `param` instead of `params` is reported instead of silently ignored.
// Written with zod/mini: every RpcPeer checks these, including the browser client, whose bundle
// must not carry classic zod (about 100 KB gzipped) just for the envelopes.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

// zod/mini leaves messages generic ("Invalid input") until a locale is set; the envelope errors
// peers answer with must name what was expected. Classic zod sets the same locale when loaded.
// A named import, so bundles carry English only, not every locale.
z.config(en());

/** The JSON-RPC version literal every envelope carries. */
export const JSONRPC_VERSION = '2.0' as const;

/** A request id: a string or an integer. */
export const RequestIdSchema = z.union([z.string(), z.int()]);
/** A request id. */
export type RequestId = z.infer<typeof RequestIdSchema>;

/** Method parameters: by name (object) or by position (array). */
export const ParamsSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

/** A request: expects exactly one response with the same id. */
export const JsonRpcRequestSchema = z.strictObject({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: RequestIdSchema,
  method: z.string(),
  params: z.optional(ParamsSchema),
});
/** A request. */
export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;

/** A notification: a request without an id; never answered. */
export const JsonRpcNotificationSchema = z.strictObject({
  jsonrpc: z.literal(JSONRPC_VERSION),
  method: z.string(),
  params: z.optional(ParamsSchema),
});
/** A notification. */
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

/** The error object of an error response. */
export const JsonRpcErrorObjectSchema = z.strictObject({
  code: z.int(),
  message: z.string(),
  data: z.optional(z.unknown()),
});
/** The error object of an error response. */
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObjectSchema>;

/** A successful response. */
export const JsonRpcSuccessResponseSchema = z.strictObject({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: RequestIdSchema,
  result: z.unknown(),
});
/** A successful response. */
export type JsonRpcSuccessResponse = z.infer<typeof JsonRpcSuccessResponseSchema>;

/** An error response; `id` is null when the request's id could not be read. */
export const JsonRpcErrorResponseSchema = z.strictObject({
  jsonrpc: z.literal(JSONRPC_VERSION),
  id: z.nullable(RequestIdSchema),
  error: JsonRpcErrorObjectSchema,
});
/** An error response. */
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;

/** Either kind of response. */
export const JsonRpcResponseSchema = z.union([JsonRpcSuccessResponseSchema, JsonRpcErrorResponseSchema]);
/** Either kind of response. */
export type JsonRpcResponse = z.infer<typeof JsonRpcResponseSchema>;

/** Any single (non-batch) message. */
export const JsonRpcSingleMessageSchema = z.union([
  JsonRpcRequestSchema,
  JsonRpcNotificationSchema,
  JsonRpcSuccessResponseSchema,
  JsonRpcErrorResponseSchema,
]);
/** Any single (non-batch) message. */
export type JsonRpcSingleMessage = z.infer<typeof JsonRpcSingleMessageSchema>;

/** A batch: a non-empty array of single messages. */
export const JsonRpcBatchSchema = z.array(JsonRpcSingleMessageSchema).check(z.minLength(1));
/** A batch. */
export type JsonRpcBatch = z.infer<typeof JsonRpcBatchSchema>;

/** Anything an {@link IpcChannel} carries: a single message or a batch. */
export const JsonRpcMessageSchema = z.union([JsonRpcSingleMessageSchema, JsonRpcBatchSchema]);
/** Anything an `IpcChannel` carries: a single message or a batch. */
export type JsonRpcMessage = z.infer<typeof JsonRpcMessageSchema>;

/** True when `message` is a request (has a method and an id). */
export function isRequest(message: JsonRpcSingleMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

/** True when `message` is a notification (has a method, no id). */
export function isNotification(message: JsonRpcSingleMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

/** True when `message` is a response (success or error). */
export function isResponse(message: JsonRpcSingleMessage): message is JsonRpcResponse {
  return !('method' in message) && ('result' in message || 'error' in message);
}
