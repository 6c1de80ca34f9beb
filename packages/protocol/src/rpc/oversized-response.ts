// A response (or a batch of them) too large for the channel to carry as one message: the channel
// refuses it with FrameTooLargeError before sending anything, and the request would otherwise get
// no answer at all (its caller waiting out a timeout, or forever). This builds the answer that goes
// instead: each request in it fails with PayloadTooLarge, saying how large and how to ask for less.
import { ErrorCode, FrameTooLargeError } from '../errors';
import type { JsonRpcMessage, JsonRpcResponse } from '../jsonrpc';
import { errorResponse } from './wire';

/**
 * The error responses to send in place of `message` when the channel refused it as too large;
 * undefined when `message` is not made of responses with ids (a notification, a request), which
 * have no one waiting on this side to tell.
 */
export function oversizedReplacement(message: JsonRpcMessage, error: unknown): JsonRpcMessage | undefined {
  if (!(error instanceof FrameTooLargeError)) return undefined;
  const items = Array.isArray(message) ? message : [message];
  const ids = items.flatMap((item) =>
    'id' in item && !('method' in item) && item.id !== null ? [item.id] : [],
  );
  if (ids.length === 0) return undefined;
  const what = Array.isArray(message) ? `The batch's ${items.length} responses come` : 'The response comes';
  const failure = {
    code: ErrorCode.PayloadTooLarge,
    message: `${what} to ${error.size} bytes, over this connection's limit of ${error.limit} bytes for one message; ask for less (a smaller maxOutputBytes or maxBytes, paging output with terminal.read) or send fewer requests per batch`,
    data: { size: error.size, limit: error.limit },
  };
  const replies: JsonRpcResponse[] = ids.map((id) => errorResponse(id, failure));
  return Array.isArray(message) ? replies : (replies[0] as JsonRpcResponse);
}
