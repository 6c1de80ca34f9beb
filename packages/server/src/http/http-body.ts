// Reading a request's JSON body within a size limit: too large is PayloadTooLarge (413), not JSON
// or not an object is InvalidParams (400). An empty body is `{}`, so `curl -X POST` works.
import type { IncomingMessage } from 'node:http';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Reads and parses the body as a JSON object; rejects past `limit` bytes. */
export async function readJsonBody(
  request: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
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

function tooLarge(limit: number): OrchflowError {
  return new OrchflowError(
    ErrorCode.PayloadTooLarge,
    `The request body exceeds ${limit} bytes; send less, or raise the server's maxBodyBytes`,
    { limit },
  );
}
