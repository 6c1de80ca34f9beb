// The per-connection cap on requests in flight, shared by every server transport (WebSocket, HTTP
// sessions, and stdio/Unix through `BackpressureChannel`):
// a message whose requests would push the count past the cap is answered Overloaded without
// reaching the dispatcher (one response, or one array for a batch, as JSON-RPC requires), and a
// request stops counting once its response goes out.
import {
  ErrorCode,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type RequestId,
} from '@orchflow/protocol';

/** Default requests in flight per connection before Overloaded, on every transport. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** Counts one connection's unanswered requests against a cap. */
export class InFlightLimit {
  private readonly ids = new Set<RequestId>();

  constructor(private readonly max: number) {}

  /** Requests received and not yet answered. */
  get size(): number {
    return this.ids.size;
  }

  /**
   * Admits the requests of a parsed message, or returns the Overloaded answer for all of them when
   * they would pass the cap (undefined: admitted and counted).
   */
  admit(message: unknown): JsonRpcMessage | undefined {
    const ids = requestIds(message);
    if (ids.length === 0) return undefined;
    if (this.ids.size + ids.length > this.max) {
      const text = `Too many requests in flight (limit ${this.max}); wait for responses before sending more`;
      const answers: JsonRpcErrorResponse[] = ids.map((id) => ({
        jsonrpc: '2.0',
        id,
        error: { code: ErrorCode.Overloaded, message: text },
      }));
      return (Array.isArray(message) ? answers : answers[0]) as JsonRpcMessage;
    }
    for (const id of ids) this.ids.add(id);
    return undefined;
  }

  /** Forgets the requests a message going out answers. */
  settle(message: JsonRpcMessage): void {
    for (const item of Array.isArray(message) ? message : [message]) {
      if ('id' in item && !('method' in item) && item.id !== null) this.ids.delete(item.id);
    }
  }
}

/** Ids of the requests (not notifications or responses) in a parsed message. */
export function requestIds(message: unknown): RequestId[] {
  const ids: RequestId[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if (typeof item !== 'object' || item === null || !('method' in item)) continue;
    const id = (item as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}
