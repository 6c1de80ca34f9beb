// RpcPeer's public knobs: the default timeout, the reserved `$/…` method names, per-request
// options, handler signatures and the context a request handler receives.
import type { z } from 'zod';
import type { RequestId } from '../jsonrpc';
import type { ProgressToken } from '../schemas/common';
import type { InternalErrorDetail } from './internal-error';
import type { LocalFailure } from './local-failure';
import type { MethodMap } from './method-map';

/** Timeout of an outgoing request when `timeoutMs` is not given: 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Notification a caller sends to tell the other side it no longer wants a request's result. */
export const CANCEL_REQUEST_METHOD = '$/cancelRequest';
/** Notification that carries a progress value for the request holding the same token. */
export const PROGRESS_METHOD = '$/progress';
/** Liveness request; answered with `{ pong: true, time }` unless a handler for it is registered. */
export const PING_METHOD = '$/ping';

/**
 * Most messages one JSON-RPC batch may hold: 1024. A longer batch is answered with one
 * InvalidRequest error (`id: null`) and none of it is handled, so a small message full of invalid
 * entries cannot make a peer build, log and send an error per entry (~70 times its own size).
 */
export const MAX_BATCH_MESSAGES = 1024;

/** Options of one outgoing request. */
export interface RequestOptions<R = unknown> {
  /**
   * Milliseconds to wait for the response; `0` or `Infinity` disables the timeout.
   * Default {@link DEFAULT_REQUEST_TIMEOUT_MS} (or the peer's `defaultTimeoutMs`).
   */
  timeoutMs?: number;
  /**
   * Aborting sends `$/cancelRequest` and rejects the request with `OrchflowError(Cancelled)`: at
   * once, or after the other side's answer when `cancelWaitMs` is given.
   */
  signal?: AbortSignal;
  /**
   * After an abort, wait up to this many milliseconds for the other side to answer the cancelled
   * request, for what it says about the stopped work: the rejection's `data` is then the data of
   * its Cancelled answer (an execute's `{ result }`: the partial output), or `{ result }` when its
   * answer is a result (it had finished first). The request's own timeout no longer applies. No
   * answer in time, another error, or a closed connection: the plain Cancelled, no `data`.
   * Default 0: reject at once.
   */
  cancelWaitMs?: number;
  /**
   * Receives the values of `$/progress` notifications for this request. Giving it adds
   * `_meta: { progressToken }` to the params, so params must be an object (or absent).
   */
  onProgress?: (value: unknown) => void;
  /** Restart the timeout whenever progress arrives, so long jobs that report stay alive. Default false. */
  resetTimeoutOnProgress?: boolean;
  /** Validates (and transforms) the result; a mismatch rejects with `OrchflowError(InternalError)`. */
  resultSchema?: z.ZodType<R>;
  /**
   * Members added to the request's `_meta` (e.g. a W3C `traceparent`), beside any the params
   * carry; params must then be an object (or absent).
   */
  meta?: Readonly<Record<string, unknown>>;
}

/** What a request handler learns about the request it serves. */
export interface RequestContext {
  /** The id of the request being served. */
  readonly requestId: RequestId;
  /** The method being served. */
  readonly method: string;
  /**
   * Aborted when the caller sends `$/cancelRequest`, this peer is closed, or the channel closes
   * (unless the peer was made with `abortHandlersOnClose: false`).
   */
  readonly signal: AbortSignal;
  /** The caller's progress token, or `undefined` when the caller asked for no progress. */
  readonly progressToken: ProgressToken | undefined;
  /**
   * The request's `_meta` object as the caller sent it (unvalidated: check what you read), e.g. a
   * W3C `traceparent`; `undefined` when it had none.
   */
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  /** Sends a `$/progress` notification; a no-op when the caller gave no token or after the response. */
  reportProgress(value: unknown): void;
}

/** Serves one method: returns the result or throws (an `OrchflowError` keeps its code on the wire). */
export type RequestHandler<P, R> = (params: P, context: RequestContext) => R | Promise<R>;

/** Handles one notification; whatever it throws is reported to `onError`, never answered. */
export type NotificationHandler<P> = (params: P) => void | Promise<void>;

/**
 * Serves requests no `onRequest` handler claims (dynamic dispatch). Params arrive unvalidated with
 * `_meta` stripped; throw `OrchflowError(MethodNotFound)` to decline.
 */
export type UnhandledRequestHandler = (
  method: string,
  params: unknown,
  context: RequestContext,
) => unknown | Promise<unknown>;

/** Options of an {@link RpcPeer}. */
export interface RpcPeerOptions<M extends MethodMap = MethodMap> {
  /** Method map used to validate results of outgoing requests that give no `resultSchema`. */
  methods?: M;
  /** Timeout of requests that give no `timeoutMs`. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  defaultTimeoutMs?: number;
  /** Fallback for requests without a registered handler; without it they get MethodNotFound. */
  onUnhandledRequest?: UnhandledRequestHandler;
  /** Fallback for notifications without a registered handler; without it they are reported and dropped. */
  onUnhandledNotification?: (method: string, params: unknown) => void;
  /**
   * Hears what JSON-RPC says to drop silently (malformed input, unknown notifications, responses
   * for unknown ids) and the internal failures of handlers: for each, an `OrchflowError`
   * (InternalError) whose `data` is an `InternalErrorReport` (`errorId`, the request, the failure's
   * own data) and whose `cause` is what the handler threw. Must not throw; if it does, it is ignored.
   */
  onError?: (error: Error) => void;
  /**
   * How much a handler's internal failure (an exception, or an `OrchflowError` with code
   * InternalError) tells the caller. `full` (default): its message and data. `redacted`: only
   * which request failed; for callers on other hosts, who must not learn host paths or pids.
   * Either way the answer's `data.errorId` matches the report to `onError`; other error codes are
   * the caller's and always pass unchanged.
   */
  internalErrorDetail?: InternalErrorDetail;
  /** Called once when the peer closes, with the reason (a `ChannelClosedError`). */
  onClose?: (reason: Error) => void;
  /**
   * Abort in-flight handlers' signals when the channel closes by itself (the other side closed
   * or the connection dropped). Default true. A server whose work outlives a dropped connection
   * (commands a reconnecting client collects later) sets false: then only `$/cancelRequest` or
   * this side's own `close()` aborts a handler.
   */
  abortHandlersOnClose?: boolean;
  /**
   * Hears a channel's local failure of an output subscription (its stream was cut on this side,
   * see `localFailure`); local failures of requests fail those requests without it.
   */
  onLocalFailure?: (failure: LocalFailure) => void;
}

/** One entry of `RpcPeer.requestBatch`: a request, or a notification when `notification` is true. */
export interface BatchItem {
  /** The method to call. */
  method: string;
  /** Its params (an object or an array). */
  params?: unknown;
  /** Send as a notification: no response; its slot is fulfilled with `undefined`. */
  notification?: boolean;
  /** Options of the request (ignored for notifications). */
  options?: RequestOptions;
}
