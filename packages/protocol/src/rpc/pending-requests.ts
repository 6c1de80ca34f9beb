// The outgoing side's bookkeeping: one entry per request awaiting its response, with its timeout,
// abort listener and progress callback. Settling an entry (response, timeout, abort, close) always
// removes it and releases its timer and listener, so nothing leaks per request. A request made
// with `cancelWaitMs` is not settled by its abort: `$/cancelRequest` goes at once, and the caller
// waits up to that long for the other side's answer, whose Cancelled data (a command's partial
// result) it then gets.
import type { z } from 'zod';
import { ErrorCode, OrchflowError, RequestTimeoutError } from '../errors';
import type { JsonRpcResponse, RequestId } from '../jsonrpc';
import { MAX_TIMER_MS } from '../timer-limit';
import { schemaError } from './wire';

// Ids whose response we gave up on (timeout, abort); their late responses are expected, not news.
const MAX_ABANDONED_IDS = 4096;

/** How {@link PendingRequests.add} should watch one request. */
export interface PendingSpec {
  method: string;
  /** Already normalized: 0 means no timeout. */
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: ((value: unknown) => void) | undefined;
  resetTimeoutOnProgress: boolean;
  resultSchema: z.ZodType | undefined;
  /** Already normalized: after an abort, how long to wait for the answer (0: reject at once). */
  cancelWaitMs: number;
}

interface Entry extends PendingSpec {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  /** Set once aborted while waiting for the answer: what the caller gets if no useful answer comes. */
  cancelled: OrchflowError | undefined;
}

/** What became of an incoming response. */
export type SettleOutcome = 'settled' | 'abandoned' | 'unknown';

/** Wraps an abort reason as the Cancelled error a caller sees. */
export function cancelledError(method: string, reason: unknown): OrchflowError {
  const detail = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new OrchflowError(ErrorCode.Cancelled, `Request '${method}' was cancelled: ${detail}`, undefined, {
    cause: reason,
  });
}

/** The local Cancelled `local`, with what the other side answered the cancelled request with. */
function withAnswer(local: OrchflowError, said: string, data: unknown): OrchflowError {
  return new OrchflowError(local.code, `${local.message}; ${said}`, data, { cause: local.cause });
}

/** Outgoing requests awaiting a response, keyed by the ids this side hands out. */
export class PendingRequests {
  private nextId = 1;
  private readonly entries = new Map<RequestId, Entry>();
  private readonly abandoned = new Set<RequestId>();

  /** @param sendCancel tells the other side to stop working on an abandoned request. */
  constructor(private readonly sendCancel: (id: RequestId) => void) {}

  /** Number of requests awaiting a response. */
  get size(): number {
    return this.entries.size;
  }

  /** A fresh request id. */
  nextRequestId(): RequestId {
    return this.nextId++;
  }

  /** Starts watching request `id`; the promise settles with its result or failure. */
  add(id: RequestId, spec: PendingSpec): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        ...spec,
        resolve,
        reject,
        timer: undefined,
        onAbort: undefined,
        cancelled: undefined,
      };
      this.entries.set(id, entry);
      this.armTimer(id, entry);
      if (spec.signal) {
        const signal = spec.signal;
        entry.onAbort = () => this.aborted(id, entry, cancelledError(spec.method, signal.reason));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
    });
  }

  /** Settles the request a response belongs to. */
  settle(response: JsonRpcResponse): SettleOutcome {
    const id = response.id;
    if (id === null) return 'unknown';
    const entry = this.take(id);
    if (!entry) return this.abandoned.delete(id) ? 'abandoned' : 'unknown';
    if (entry.cancelled) {
      entry.reject(this.cancelledAnswer(entry, entry.cancelled, response));
      return 'settled';
    }
    if ('error' in response) {
      entry.reject(OrchflowError.fromJson(response.error));
    } else if (!entry.resultSchema) {
      entry.resolve(response.result);
    } else {
      const parsed = entry.resultSchema.safeParse(response.result);
      if (parsed.success) entry.resolve(parsed.data);
      else {
        const what = `Result of '${entry.method}' does not match its schema; client and server may speak different protocol versions`;
        entry.reject(schemaError(ErrorCode.InternalError, what, parsed.error, 'result'));
      }
    }
    return 'settled';
  }

  /** Routes a `$/progress` value to the request whose id is the token; unknown tokens are late and dropped. */
  progress(token: string | number, value: unknown): void {
    const entry = this.entries.get(token);
    if (!entry?.onProgress) return;
    if (entry.resetTimeoutOnProgress && !entry.cancelled) this.armTimer(token, entry);
    entry.onProgress(value);
  }

  /**
   * Fails one request without telling the other side (e.g. it could not be sent). A request
   * already cancelled by its caller fails with its Cancelled instead.
   */
  fail(id: RequestId, error: Error): void {
    const entry = this.take(id);
    entry?.reject(entry.cancelled ?? error);
  }

  /** Fails every pending request, e.g. with `ChannelClosedError` when the channel closes. */
  rejectAll(error: Error): void {
    for (const id of [...this.entries.keys()]) this.fail(id, error);
  }

  private abandon(id: RequestId, error: Error): void {
    const entry = this.take(id);
    if (!entry) return;
    this.abandoned.add(id);
    if (this.abandoned.size > MAX_ABANDONED_IDS) {
      const oldest = this.abandoned.values().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
    entry.reject(error);
    // A request that waited after its abort told the other side then.
    if (!entry.cancelled) this.sendCancel(id);
  }

  // The caller aborted: tell the other side at once; reject now, or wait (bounded) for its answer.
  private aborted(id: RequestId, entry: Entry, error: OrchflowError): void {
    if (entry.cancelWaitMs === 0) {
      this.abandon(id, error);
      return;
    }
    entry.cancelled = error;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.abandon(id, error), Math.min(entry.cancelWaitMs, MAX_TIMER_MS));
    this.sendCancel(id);
  }

  // What a caller that waited gets: the other side's Cancelled with its data, a result that beat
  // the cancellation as `data.result`, or (any other answer) its own Cancelled.
  private cancelledAnswer(entry: Entry, local: OrchflowError, response: JsonRpcResponse): OrchflowError {
    if ('error' in response) {
      const answer = OrchflowError.fromJson(response.error);
      if (answer.code !== ErrorCode.Cancelled || answer.data === undefined) return local;
      return withAnswer(local, `the other side answered: ${answer.message}`, answer.data);
    }
    const parsed = entry.resultSchema ? entry.resultSchema.safeParse(response.result) : undefined;
    if (parsed && !parsed.success) return local;
    const result = parsed ? parsed.data : response.result;
    return withAnswer(local, 'it had already completed; its result is in error.data.result', { result });
  }

  private armTimer(id: RequestId, entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.timeoutMs === 0) return;
    entry.timer = setTimeout(
      () => this.abandon(id, new RequestTimeoutError(entry.method, entry.timeoutMs)),
      Math.min(entry.timeoutMs, MAX_TIMER_MS),
    );
  }

  private take(id: RequestId): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
