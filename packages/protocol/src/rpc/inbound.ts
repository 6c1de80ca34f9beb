// Routing of everything the read loop receives: batches are unpacked, each element is classified,
// then requests go to the Dispatcher, responses and `$/progress` to PendingRequests, and
// `$/cancelRequest` cancels the matching handler. Malformed input is answered, never thrown. A
// channel's local failures (local-failure.ts) fail their request here with the local error.
import { ErrorCode, OrchflowError } from '../errors';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcResponse, RequestId } from '../jsonrpc';
import { BatchCollector } from './batch-collector';
import { classify } from './classify';
import type { Dispatcher, ResponseSink } from './dispatcher';
import { type LocalFailure, localFailureOf } from './local-failure';
import { CANCEL_REQUEST_METHOD, MAX_BATCH_MESSAGES, PING_METHOD, PROGRESS_METHOD } from './options';
import type { PendingRequests } from './pending-requests';
import {
  CancelParamsSchema,
  errorResponse,
  ProgressParamsSchema,
  schemaError,
  successResponse,
} from './wire';

/** What the router needs from its peer. */
export interface InboundDeps {
  dispatcher: Dispatcher;
  pending: PendingRequests;
  send(message: JsonRpcMessage): void;
  report(error: Error): void;
  /** Hears local failures of subscriptions (requests are failed here). */
  onLocalFailure?: (failure: LocalFailure) => void;
}

/** Routes received values; never throws for any input. */
export class Inbound {
  constructor(private readonly deps: InboundDeps) {}

  /** Handles one received value: a single message, a batch, or garbage. */
  handle(value: unknown): void {
    const sendOne: ResponseSink = (response) => this.deps.send(response);
    if (!Array.isArray(value)) {
      this.handleSingle(value, () => sendOne);
      return;
    }
    if (value.length === 0) {
      this.invalid(null, 'an empty array is not a valid batch', sendOne);
      return;
    }
    if (value.length > MAX_BATCH_MESSAGES) {
      this.invalid(
        null,
        `a batch of ${value.length} messages is over the limit of ${MAX_BATCH_MESSAGES}; none of it was handled: send fewer at a time`,
        sendOne,
      );
      return;
    }
    const batch = new BatchCollector((responses) => this.deps.send(responses as JsonRpcMessage));
    // Invalid entries are each answered, but reported once per batch (a log line per entry would
    // let one message write thousands).
    const invalid = { count: 0, first: '' };
    for (const item of value) this.handleSingle(item, () => batch.reserve(), invalid);
    batch.seal();
    if (invalid.count > 0) {
      const more = invalid.count > 1 ? ` (and ${invalid.count - 1} more invalid entries in the batch)` : '';
      this.deps.report(
        new OrchflowError(ErrorCode.InvalidRequest, `Invalid JSON-RPC message: ${invalid.first}${more}`),
      );
    }
  }

  private handleSingle(
    value: unknown,
    reserve: () => ResponseSink,
    batchInvalid?: { count: number; first: string },
  ): void {
    const local = localFailureOf(value);
    if (local) {
      if ('id' in local.target) this.deps.pending.fail(local.target.id, local.error);
      else this.deps.onLocalFailure?.(local);
      return;
    }
    const incoming = classify(value);
    switch (incoming.kind) {
      case 'request': {
        const { id, method } = incoming.message;
        const { dispatcher } = this.deps;
        // Liveness must work even on a peer that registered nothing.
        if (method === PING_METHOD && !dispatcher.hasRequestHandler(method))
          reserve()(successResponse(id, { pong: true, time: Date.now() }));
        else dispatcher.handleRequest(incoming.message, reserve());
        break;
      }
      case 'notification':
        this.handleNotification(incoming.message);
        break;
      case 'response':
        this.handleResponse(incoming.message);
        break;
      case 'invalid':
        if (!batchInvalid) {
          this.invalid(incoming.id, incoming.reason, reserve());
          break;
        }
        if (batchInvalid.count++ === 0) batchInvalid.first = incoming.reason;
        reserve()(errorResponse(incoming.id, invalidRequest(incoming.reason).toJson()));
        break;
    }
  }

  private handleNotification(message: JsonRpcNotification): void {
    const { method, params } = message;
    if (method !== CANCEL_REQUEST_METHOD && method !== PROGRESS_METHOD) {
      this.deps.dispatcher.handleNotification(message);
      return;
    }
    const schema = method === CANCEL_REQUEST_METHOD ? CancelParamsSchema : ProgressParamsSchema;
    const parsed = schema.safeParse(params);
    if (!parsed.success) {
      const what = `Invalid params for '${method}'; dropped`;
      this.deps.report(schemaError(ErrorCode.InvalidParams, what, parsed.error, 'params'));
    } else if ('id' in parsed.data) {
      this.deps.dispatcher.cancel(parsed.data.id);
    } else {
      try {
        this.deps.pending.progress(parsed.data.token, parsed.data.value);
      } catch (error) {
        this.deps.report(
          new OrchflowError(ErrorCode.InternalError, 'onProgress threw', undefined, { cause: error }),
        );
      }
    }
  }

  private handleResponse(response: JsonRpcResponse): void {
    if (this.deps.pending.settle(response) !== 'unknown') return;
    if (response.id === null && 'error' in response) {
      const cause = OrchflowError.fromJson(response.error);
      const message = `The other side could not read a message from this side: ${cause.message}`;
      this.deps.report(new OrchflowError(cause.code, message, cause.data, { cause }));
    } else {
      const message = `Response for unknown request id ${JSON.stringify(response.id)} ignored`;
      this.deps.report(new OrchflowError(ErrorCode.InvalidRequest, message, { response }));
    }
  }

  private invalid(id: RequestId | null, reason: string, sink: ResponseSink): void {
    const error = invalidRequest(reason);
    this.deps.report(error);
    sink(errorResponse(id, error.toJson()));
  }
}

function invalidRequest(reason: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidRequest, `Invalid JSON-RPC message: ${reason}`);
}
