// Validation of one incoming value. Channels deliver unvalidated JSON, so every element is checked
// against the strict envelopes here before anything acts on it; the verdict says what it is, or
// why it is invalid and which id (if any) an InvalidRequest reply should carry.
import type { z } from 'zod';
import {
  JsonRpcErrorResponseSchema,
  type JsonRpcNotification,
  JsonRpcNotificationSchema,
  type JsonRpcRequest,
  JsonRpcRequestSchema,
  type JsonRpcResponse,
  JsonRpcSuccessResponseSchema,
  type RequestId,
  RequestIdSchema,
} from '../jsonrpc';
import { formatPath } from './wire';

/** What one incoming (non-batch) value turned out to be. */
export type Incoming =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'invalid'; id: RequestId | null; reason: string };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function firstIssue(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'does not match the JSON-RPC 2.0 envelope';
  if (issue.code === 'unrecognized_keys') return `unexpected member(s) ${issue.keys.join(', ')}`;
  return `${formatPath(issue.path, 'message')}: ${issue.message}`;
}

/**
 * Classifies one value. The members present pick the envelope to check (a `method` means request
 * or notification, `result`/`error` a response), so the reason names the real mistake.
 */
export function classify(value: unknown): Incoming {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      kind: 'invalid',
      id: null,
      reason: `expected a JSON-RPC object, received ${describe(value)}`,
    };
  }
  const record = value as Record<string, unknown>;
  let error: z.core.$ZodError;
  if ('method' in record) {
    if ('id' in record) {
      const parsed = JsonRpcRequestSchema.safeParse(value);
      if (parsed.success) return { kind: 'request', message: parsed.data };
      error = parsed.error;
    } else {
      const parsed = JsonRpcNotificationSchema.safeParse(value);
      if (parsed.success) return { kind: 'notification', message: parsed.data };
      error = parsed.error;
    }
  } else if ('result' in record || 'error' in record) {
    const schema = 'error' in record ? JsonRpcErrorResponseSchema : JsonRpcSuccessResponseSchema;
    const parsed = schema.safeParse(value);
    if (parsed.success) return { kind: 'response', message: parsed.data };
    error = parsed.error;
  } else {
    const id = readId(record);
    return {
      kind: 'invalid',
      id,
      reason: 'a message needs a `method` (request) or `result`/`error` (response)',
    };
  }
  return { kind: 'invalid', id: readId(record), reason: firstIssue(error) };
}

function readId(record: Record<string, unknown>): RequestId | null {
  const parsed = RequestIdSchema.safeParse(record.id);
  return parsed.success ? parsed.data : null;
}
