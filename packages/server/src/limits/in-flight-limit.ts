// The per-connection cap on requests in flight, shared by every server transport (WebSocket, HTTP
// sessions, the cluster gateway, and stdio/Unix through `BackpressureChannel`):
// a message whose requests would push the count past the cap is answered Overloaded without
// reaching the dispatcher (one response, or one array for a batch, as JSON-RPC requires), and a
// request stops counting once its response goes out.
// The answers `admit` makes never settle anything: a refused request was never counted, and one
// that reuses the id of a request still running must not free that request's place (each such
// duplicate would otherwise let one more request past the cap); neither may a message that is no
// request but carries such an id. A batch longer than the protocol allows is refused whole, before
// any of it is counted.
import {
  ErrorCode,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  MAX_BATCH_MESSAGES,
  type RequestId,
} from '@orchflow/protocol';

/** Default requests in flight per connection before Overloaded, on every transport. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** Counts one connection's unanswered requests against a cap. */
export class InFlightLimit {
  private readonly ids = new Set<RequestId>();
  // The answers admit() returned: sending them settles nothing.
  private readonly refusals = new WeakSet<object>();

  constructor(private readonly max: number) {}

  /** Requests received and not yet answered. */
  get size(): number {
    return this.ids.size;
  }

  /**
   * Admits the requests of a parsed message, or returns the answer that refuses all of them
   * (undefined: admitted and counted): Overloaded when they would pass the cap, InvalidRequest
   * when one reuses the id of a request still in flight (or of another in the same batch), or when
   * a batch holds more than `MAX_BATCH_MESSAGES` messages.
   */
  admit(message: unknown): JsonRpcMessage | undefined {
    if (Array.isArray(message) && message.length > MAX_BATCH_MESSAGES) {
      const text = `Invalid JSON-RPC message: a batch of ${message.length} messages is over the limit of ${MAX_BATCH_MESSAGES}; none of it was handled: send fewer at a time`;
      return this.refuse({
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCode.InvalidRequest, message: text },
      });
    }
    const ids = requestIds(message);
    // A message that is no request but carries an in-flight id (`{"id":1}`, a malformed response)
    // would be answered with that id, and the answer would free the request's place.
    if (otherIds(message).some((id) => this.ids.has(id))) {
      const text = 'A message of this connection that is not a request carries the id of a request in flight';
      return this.refuseAll(message, ids, ErrorCode.InvalidRequest, text, true);
    }
    if (ids.length === 0) return undefined;
    const seen = new Set<RequestId>();
    const reused = ids.find((id) => this.ids.has(id) || seen.size === seen.add(id).size);
    if (reused !== undefined) {
      // The id is not quoted: it is the sender's, of any length, and each answer would repeat it.
      const text =
        'A request id of this message is already in flight on this connection; give every request its own id';
      return this.refuseAll(message, ids, ErrorCode.InvalidRequest, text);
    }
    if (this.ids.size + ids.length > this.max) {
      const text = `Too many requests in flight (limit ${this.max}); wait for responses before sending more`;
      return this.refuseAll(message, ids, ErrorCode.Overloaded, text);
    }
    for (const id of ids) this.ids.add(id);
    return undefined;
  }

  /** Forgets the requests a message going out answers (unless it is one of admit's refusals). */
  settle(message: JsonRpcMessage): void {
    if (this.refusals.has(message)) return;
    for (const item of Array.isArray(message) ? message : [message]) {
      if ('id' in item && !('method' in item) && item.id !== null) this.ids.delete(item.id);
    }
  }

  /** One answer per request of `message` (and, with `unnamed`, one with `id: null` besides). */
  private refuseAll(
    message: unknown,
    ids: RequestId[],
    code: number,
    text: string,
    unnamed = false,
  ): JsonRpcMessage {
    const answers: JsonRpcErrorResponse[] = [...ids, ...(unnamed ? [null] : [])].map((id) => ({
      jsonrpc: '2.0',
      id,
      error: { code, message: text },
    }));
    return this.refuse((Array.isArray(message) ? answers : answers[0]) as JsonRpcMessage);
  }

  private refuse(answer: JsonRpcMessage): JsonRpcMessage {
    this.refusals.add(answer);
    return answer;
  }
}

/** Ids of the requests (not notifications or responses) in a parsed message. */
export function requestIds(message: unknown): RequestId[] {
  return idsOf(message, true);
}

/** Ids carried by the items of a parsed message that are not requests (responses, junk). */
function otherIds(message: unknown): RequestId[] {
  return idsOf(message, false);
}

function idsOf(message: unknown, requests: boolean): RequestId[] {
  const ids: RequestId[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if (typeof item !== 'object' || item === null) continue;
    const isRequest = 'method' in item;
    if (isRequest !== requests) continue;
    const id = (item as { id?: unknown }).id;
    // As JSON-RPC ids are read (RequestIdSchema): another number is answered with `id: null`, so
    // counting it would hold a place no answer ever frees.
    if (typeof id === 'string' || Number.isSafeInteger(id)) ids.push(id as RequestId);
  }
  return ids;
}
