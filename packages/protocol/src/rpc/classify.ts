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
    const plain = plainCall(record);
    if (plain) return plain;
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

/**
 * A valid request or notification checked without zod, the common case: the envelope schemas
 * would copy `params` member by member, and read each one, for every message of every peer (an
 * output notification's `data` may be a lazily decoded getter). Anything this does not accept
 * goes through the schemas, which name the mistake.
 */
function plainCall(record: Record<string, unknown>): Incoming | undefined {
  if (record.jsonrpc !== '2.0' || typeof record.method !== 'string') return undefined;
  const { params, id } = record;
  if (params !== undefined && (typeof params !== 'object' || params === null)) return undefined;
  const hasId = 'id' in record;
  if (hasId && typeof id !== 'string' && !Number.isSafeInteger(id)) return undefined;
  for (const key of Object.keys(record)) {
    if (key !== 'jsonrpc' && key !== 'method' && key !== 'params' && (key !== 'id' || !hasId))
      return undefined;
  }
  return hasId
    ? { kind: 'request', message: record as JsonRpcRequest }
    : { kind: 'notification', message: record as JsonRpcNotification };
}

function readId(record: Record<string, unknown>): RequestId | null {
  const parsed = RequestIdSchema.safeParse(record.id);
  return parsed.success ? parsed.data : null;
}
