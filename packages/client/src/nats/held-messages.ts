// What a session's shared `ReassemblyBudget` counts of the large messages it received: each one's
// bytes stay counted until every request in it was answered (so a peer cannot queue work whose
// input the node no longer accounts for), or, for a message carrying no request, until the reader
// took it. The session tells it when a message is queued, read and answered, and when it ends.
import type { RequestId } from '@orchflow/protocol/runtime';
import type { ReassemblyBudget } from './chunking';

/** The budget's count of one session's received messages. */
export class HeldMessages {
  /** Received messages still counted, by the id of each request in them not yet answered. */
  private readonly byRequest = new Map<RequestId, { bytes: number; unanswered: number }>();
  /** Bytes counted of each queued message until the reader takes it (0: none), in queue order. */
  private readonly untilRead: number[] = [];

  constructor(private readonly budget: ReassemblyBudget) {}

  /** A parsed message the budget counts `bytes` of was queued for the reader. */
  queued(message: unknown, bytes: number): void {
    this.untilRead.push(this.holdUntilAnswered(message, bytes));
  }

  /** The reader took the oldest queued message. */
  read(): void {
    const bytes = this.untilRead.shift() ?? 0;
    if (bytes > 0) this.budget.release(bytes);
  }

  /** `message` is being sent: what is counted for the requests it answers goes back. */
  answered(message: unknown): void {
    if (this.byRequest.size === 0) return;
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item !== 'object' || item === null || 'method' in item || !('id' in item)) continue;
      const id = (item as { id: unknown }).id as RequestId;
      const entry = this.byRequest.get(id);
      if (!entry) continue;
      this.byRequest.delete(id);
      if (--entry.unanswered === 0) this.budget.release(entry.bytes);
    }
  }

  /** The session ended: nothing received is counted any more. */
  releaseAll(): void {
    const entries = new Set(this.byRequest.values());
    this.byRequest.clear();
    for (const entry of entries) this.budget.release(entry.bytes);
    for (const bytes of this.untilRead.splice(0)) if (bytes > 0) this.budget.release(bytes);
  }

  /**
   * Keeps `bytes` counted until every request in `message` was answered; returns what is to be
   * counted until the reader takes it instead (a message without requests).
   */
  private holdUntilAnswered(message: unknown, bytes: number): number {
    if (bytes === 0) return 0;
    const ids = new Set(requestIdsOf(message));
    // A request id already counted (a receiver without an in-flight limit let a duplicate through):
    // held until read, so that one answer cannot free two messages.
    if (ids.size === 0 || [...ids].some((id) => this.byRequest.has(id))) return bytes;
    const entry = { bytes, unanswered: ids.size };
    for (const id of ids) this.byRequest.set(id, entry);
    return 0;
  }
}

/** Ids of the requests (items with a `method` and a string or safe-integer id) of a parsed message. */
function requestIdsOf(message: unknown): RequestId[] {
  const ids: RequestId[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if (typeof item !== 'object' || item === null || !('method' in item)) continue;
    const id = (item as { id?: unknown }).id;
    if (typeof id === 'string' || Number.isSafeInteger(id)) ids.push(id as RequestId);
  }
  return ids;
}
