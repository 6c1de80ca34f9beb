// The incoming side: registered request and notification handlers, params validation, and the
// requests in flight with their AbortControllers. Every request gets exactly one response through
// its sink — a result or the handler's error. `$/cancelRequest` aborts the handler's signal and
// lets the handler answer, so a Cancelled it throws can carry data (a command's partial result);
// whatever else an aborted handler fails with is answered as a plain Cancelled.
import type { z } from 'zod';
import { ErrorCode, isOrchflowError, OrchflowError } from '../errors';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from '../jsonrpc';
import type { ProgressToken } from '../schemas/common';
import { type InternalErrorDetail, internalFailure } from './internal-error';
import type { NotificationHandler, RequestContext, RequestHandler, UnhandledRequestHandler } from './options';
import {
  asError,
  checkValue,
  errorResponse,
  parseParams,
  schemaError,
  splitMeta,
  successResponse,
  toWireError,
} from './wire';

/** Where the single response of one incoming request goes. */
export type ResponseSink = (response: JsonRpcResponse) => void;

/** What the dispatcher needs from its peer. */
export interface DispatcherHooks {
  sendProgress(token: ProgressToken, value: unknown): void;
  report(error: Error): void;
  onUnhandledRequest: UnhandledRequestHandler | undefined;
  onUnhandledNotification: ((method: string, params: unknown) => void) | undefined;
  /** How much an InternalError answer tells the caller (see internal-error.ts). */
  internalErrorDetail: InternalErrorDetail;
}

interface Registered<H> {
  schema: z.core.$ZodType;
  handler: H;
}

interface InFlight {
  method: string;
  controller: AbortController;
  /** Set by `$/cancelRequest`: the Cancelled answered unless the handler throws its own. */
  cancelled: OrchflowError | undefined;
}

/** Routes incoming requests and notifications to handlers. */
export class Dispatcher {
  private readonly requests = new Map<string, Registered<RequestHandler<unknown, unknown>>>();
  private readonly notifications = new Map<string, Registered<NotificationHandler<unknown>>>();
  private readonly inFlight = new Map<RequestId, InFlight>();

  constructor(private readonly hooks: DispatcherHooks) {}

  /** Number of incoming requests whose handler has not answered yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** True when `method` has a registered request handler. */
  hasRequestHandler(method: string): boolean {
    return this.requests.has(method);
  }

  /** Registers a request handler; returns a function that removes it. */
  addRequestHandler(
    method: string,
    schema: z.core.$ZodType,
    handler: RequestHandler<unknown, unknown>,
  ): () => void {
    return register(this.requests, 'request', method, { schema, handler });
  }

  /** Registers a notification handler; returns a function that removes it. */
  addNotificationHandler(
    method: string,
    schema: z.core.$ZodType,
    handler: NotificationHandler<unknown>,
  ): () => void {
    return register(this.notifications, 'notification', method, {
      schema,
      handler,
    });
  }

  /** Serves one request; `sink` receives its one response. */
  handleRequest(request: JsonRpcRequest, sink: ResponseSink): void {
    const { id, method } = request;
    const registered = this.requests.get(method);
    const fallback = this.hooks.onUnhandledRequest;
    if (!registered && !fallback) {
      const message = `Method '${method}' is not supported by this peer; check the method name and the server's version`;
      sink(errorResponse(id, { code: ErrorCode.MethodNotFound, message }));
      return;
    }
    if (this.inFlight.has(id)) {
      const message = `Request id ${JSON.stringify(id)} is already in flight; use a fresh id per request`;
      sink(errorResponse(id, { code: ErrorCode.InvalidRequest, message }));
      return;
    }
    const split = splitMeta(request.params);
    let params = split.params;
    if (registered) {
      const parsed = parseParams(registered.schema, split);
      if (!parsed.success) {
        const what = `Invalid params for '${method}'`;
        sink(errorResponse(id, schemaError(ErrorCode.InvalidParams, what, parsed.error, 'params').toJson()));
        return;
      }
      params = parsed.data;
    }

    const controller = new AbortController();
    let done = false;
    const finish = (response: JsonRpcResponse) => {
      if (done) return;
      done = true;
      this.inFlight.delete(id);
      sink(response);
    };
    const entry: InFlight = { method, controller, cancelled: undefined };
    this.inFlight.set(id, entry);
    const context: RequestContext = {
      requestId: id,
      method,
      signal: controller.signal,
      progressToken: split.progressToken,
      meta: split.meta,
      reportProgress: (value) => {
        if (!done && split.progressToken !== undefined) this.hooks.sendProgress(split.progressToken, value);
      },
    };
    void this.run(registered, fallback, method, params, context).then(
      (result) => finish(successResponse(id, result)),
      (error: unknown) => {
        if (entry.cancelled) {
          // Stopped by the caller: its own Cancelled (with data) is the answer; any other failure
          // (an AbortError, an interrupted step) is the cancellation itself, not news to report.
          const own = isOrchflowError(error) && error.code === ErrorCode.Cancelled;
          finish(errorResponse(id, (own ? error : entry.cancelled).toJson()));
          return;
        }
        // An internal failure gets an error id, in the answer and in the report (with the full
        // detail and the thrown value); any other error is the caller's and goes as it is.
        const named = method.length > 100 ? `${method.slice(0, 100)}…` : method;
        const failure = internalFailure(error, `'${named}'`, this.hooks.internalErrorDetail);
        if (failure && !done) this.hooks.report(failure.report);
        finish(errorResponse(id, failure ? failure.answer : toWireError(error)));
      },
    );
  }

  /** Delivers one notification; anything wrong is reported, never answered. */
  handleNotification(notification: JsonRpcNotification): void {
    const { method } = notification;
    const params = splitMeta(notification.params).params;
    const registered = this.notifications.get(method);
    if (!registered) {
      if (this.hooks.onUnhandledNotification)
        this.guard(() => this.hooks.onUnhandledNotification?.(method, params));
      else
        this.hooks.report(
          new OrchflowError(ErrorCode.MethodNotFound, `Notification '${method}' has no handler; dropped`),
        );
      return;
    }
    const parsed = checkValue(registered.schema, params);
    if (!parsed.success) {
      this.hooks.report(
        schemaError(
          ErrorCode.InvalidParams,
          `Invalid params for notification '${method}'; dropped`,
          parsed.error,
          'params',
        ),
      );
      return;
    }
    this.guard(() => registered.handler(parsed.data));
  }

  /**
   * Aborts a request's handler (unless it already answered). The handler then answers: with its
   * own Cancelled (which may carry data), its result if it had finished, or else a plain Cancelled.
   */
  cancel(id: RequestId): void {
    const entry = this.inFlight.get(id);
    if (!entry || entry.cancelled) return;
    entry.cancelled = new OrchflowError(
      ErrorCode.Cancelled,
      `Request '${entry.method}' was cancelled by the caller`,
    );
    entry.controller.abort(entry.cancelled);
  }

  /** Aborts every in-flight handler (the channel closed; their responses can no longer be sent). */
  abortAll(reason: Error): void {
    const entries = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const entry of entries) entry.controller.abort(reason);
  }

  private async run(
    registered: Registered<RequestHandler<unknown, unknown>> | undefined,
    fallback: UnhandledRequestHandler | undefined,
    method: string,
    params: unknown,
    context: RequestContext,
  ): Promise<unknown> {
    if (registered) return registered.handler(params, context);
    return fallback?.(method, params, context);
  }

  private guard(deliver: () => void | Promise<void>): void {
    try {
      const result = deliver();
      if (result instanceof Promise) result.catch((error: unknown) => this.hooks.report(asError(error)));
    } catch (error) {
      this.hooks.report(asError(error));
    }
  }
}

function register<H>(
  map: Map<string, Registered<H>>,
  kind: string,
  method: string,
  entry: Registered<H>,
): () => void {
  if (map.has(method)) {
    throw new OrchflowError(
      ErrorCode.InvalidState,
      `A ${kind} handler for '${method}' is already registered; call the function its registration returned to remove it first`,
    );
  }
  map.set(method, entry);
  return () => {
    if (map.get(method) === entry) map.delete(method);
  };
}
