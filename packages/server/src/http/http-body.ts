// Reading a request's JSON body within a size limit: too large is PayloadTooLarge (413), not JSON
// or not an object is InvalidParams (400); `/v1/rpc` bodies (one JSON-RPC message or a batch) get
// JSON-RPC ParseError / InvalidRequest. An empty body is `{}`, so a bodiless POST (with
// `Content-Type: application/json`, which every POST needs) works. The bytes of a body still
// arriving count against its token's budget (body-budget.ts): a token holding too many stalled
// bodies is refused with Overloaded (429) instead of holding `maxBodyBytes` per request.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { holdBody } from './body-budget';

/** Reads and parses the body as a JSON object; rejects past `limit` bytes. */
export async function readJsonBody(
  request: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const text = await readBodyText(request, limit);
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `The request body is not valid JSON (${(error as Error).message}); send a JSON object with Content-Type: application/json`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OrchflowError(ErrorCode.InvalidParams, 'The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * The body as trimmed UTF-8 text; rejects past `limit` bytes (PayloadTooLarge), and past the bytes
 * the request's token may hold in bodies still arriving (Overloaded, see body-budget.ts).
 */
export async function readBodyText(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const hold = holdBody(request, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      hold.hold(size);
      chunks.push(chunk);
    }
  } finally {
    hold.release();
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** The parsed body of `POST /v1/rpc` (an object or an array), or the JSON-RPC error it deserves. */
export function rpcBody(
  text: string,
): { ok: true; value: object } | { ok: false; error: { code: number; message: string } } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = `Parse error: ${(error as Error).message}; send one JSON-RPC message (or a batch array) as JSON`;
    return { ok: false, error: { code: ErrorCode.ParseError, message } };
  }
  if (typeof value === 'object' && value !== null) return { ok: true, value };
  const message = 'Send one JSON-RPC 2.0 message object, or a batch array of them';
  return { ok: false, error: { code: ErrorCode.InvalidRequest, message } };
}

function tooLarge(limit: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.PayloadTooLarge,
    `The request body exceeds ${limit} bytes; send less, or raise the server's maxBodyBytes`,
    { limit },
  );
}
