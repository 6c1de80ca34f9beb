// RpcPeer: JSON-RPC 2.0 over any IpcChannel, in both directions at once. It owns the read loop,
// validates every incoming value, and wires the outgoing bookkeeping (PendingRequests) and the
// incoming handlers (Dispatcher) to the channel. Transports only move messages.
import type { z } from 'zod';
import type { IpcChannel } from '../channel';
import { ChannelClosedError, ErrorCode, OrchflowError } from '../errors';
import type { JsonRpcMessage } from '../jsonrpc';
import { Dispatcher } from './dispatcher';
import { Inbound } from './inbound';
import type {
  HandlerResult,
  MethodMap,
  MethodParams,
  MethodResult,
  NotificationMap,
  NotificationParams,
} from './method-map';
import {
  type BatchItem,
  CANCEL_REQUEST_METHOD,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_BATCH_MESSAGES,
  type NotificationHandler,
  PING_METHOD,
  PROGRESS_METHOD,
  type RequestHandler,
  type RequestOptions,
  type RpcPeerOptions,
} from './options';
import { normalizeTimeout, notificationMessage, prepareRequest, sendFailure } from './outgoing';
import { oversizedReplacement } from './oversized-response';
import { PendingRequests } from './pending-requests';
import { asError, isChannelClosed } from './wire';

/**
 * JSON-RPC over an {@link IpcChannel}: correlates requests and responses, enforces timeouts,
 * propagates cancellation and progress, and serves registered handlers. Register handlers, then
 * call {@link start}; `request`, `requestBatch` and `ping` start the peer themselves.
 */
export class RpcPeer<M extends MethodMap = MethodMap, N extends NotificationMap = NotificationMap> {
  /** Resolves (never rejects) once the peer has closed. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private started = false;
  private closeReason: Error | undefined;
  private readonly pending: PendingRequests;
  private readonly dispatcher: Dispatcher;
  private readonly inbound: Inbound;
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly channel: IpcChannel,
    private readonly options: RpcPeerOptions<M> = {},
  ) {
    this.defaultTimeoutMs = normalizeTimeout(options.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.pending = new PendingRequests((id) => this.send(notificationMessage(CANCEL_REQUEST_METHOD, { id })));
    this.dispatcher = new Dispatcher({
      sendProgress: (token, value) => this.send(notificationMessage(PROGRESS_METHOD, { token, value })),
      report: (error) => this.report(error),
      onUnhandledRequest: options.onUnhandledRequest,
      onUnhandledNotification: options.onUnhandledNotification,
      internalErrorDetail: options.internalErrorDetail ?? 'full',
    });
    this.inbound = new Inbound({
      dispatcher: this.dispatcher,
      pending: this.pending,
      send: (message) => this.send(message),
      report: (error) => this.report(error),
      onLocalFailure: options.onLocalFailure,
    });
  }

  /** True once the peer has closed; requests then reject with `ChannelClosedError`. */
  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Outgoing requests still awaiting a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Incoming requests whose handler has not answered yet. */
  get inFlightCount(): number {
    return this.dispatcher.inFlightCount;
  }

  /** Starts the read loop; idempotent. Messages received before a handler is registered get MethodNotFound. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    void this.readLoop();
    return this;
  }

  /** Calls `method` on the other side and resolves with its result. */
  request<K extends string, R = MethodResult<M, K>>(
    method: K,
    params?: MethodParams<M, K>,
    options?: RequestOptions<R>,
  ): Promise<R> {
    this.start();
    try {
      const { id, message, promise } = this.prepare(method, params, options);
      this.transmit(message).catch((error: unknown) => this.pending.fail(id, sendFailure(error)));
      return promise as Promise<R>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends several requests and notifications as one JSON-RPC batch; results line up with `items`.
   * Rejects with InvalidParams, sending nothing, for more than {@link MAX_BATCH_MESSAGES} items
   * (a peer refuses such a batch whole).
   */
  async requestBatch(items: readonly BatchItem[]): Promise<PromiseSettledResult<unknown>[]> {
    if (items.length > MAX_BATCH_MESSAGES) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `A batch holds at most ${MAX_BATCH_MESSAGES} messages (got ${items.length}): split it`,
      );
    }
    this.start();
    const messages: JsonRpcMessage[] = [];
    const ids: (string | number)[] = [];
    const promises = items.map((item) => {
      try {
        this.assertOpen();
        if (item.notification) {
          messages.push(notificationMessage(item.method, item.params));
          return Promise.resolve(undefined);
        }
        const { id, message, promise } = this.prepare(item.method, item.params, item.options);
        messages.push(message);
        ids.push(id);
        return promise;
      } catch (error) {
        return Promise.reject(error);
      }
    });
    if (messages.length > 0) {
      await this.transmit(messages as JsonRpcMessage).catch((error: unknown) => {
        for (const id of ids) this.pending.fail(id, sendFailure(error));
      });
    }
    return Promise.allSettled(promises);
  }

  /** Sends a notification; rejects with `ChannelClosedError` once closed. */
  async notify<K extends string>(method: K, params?: NotificationParams<N, K>): Promise<void> {
    this.assertOpen();
    await this.transmit(notificationMessage(method, params));
  }

  /** Sends `$/ping` and resolves with the round-trip time in milliseconds. */
  async ping(options?: Pick<RequestOptions, 'timeoutMs' | 'signal'>): Promise<number> {
    const started = performance.now();
    await this.request(PING_METHOD, {} as MethodParams<M, typeof PING_METHOD>, options);
    return performance.now() - started;
  }

  /**
   * Serves `method`. Params are validated with `paramsSchema` (after `_meta` is stripped); a
   * mismatch answers InvalidParams naming the first bad field. Returns a function that unregisters.
   */
  onRequest<K extends string, S extends z.core.$ZodType>(
    method: K,
    paramsSchema: S,
    handler: RequestHandler<z.output<S>, HandlerResult<M, K>>,
  ): () => void {
    return this.dispatcher.addRequestHandler(
      method,
      paramsSchema,
      handler as RequestHandler<unknown, unknown>,
    );
  }

  /** Handles notification `method`; invalid params are reported to `onError` and dropped. */
  onNotification<K extends string, S extends z.core.$ZodType>(
    method: K,
    schema: S,
    handler: NotificationHandler<z.output<S>>,
  ): () => void {
    if (method === CANCEL_REQUEST_METHOD || method === PROGRESS_METHOD) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `'${method}' is handled by RpcPeer itself; use request options instead`,
      );
    }
    return this.dispatcher.addNotificationHandler(method, schema, handler as NotificationHandler<unknown>);
  }

  /** Closes the peer and its channel: pending requests reject, in-flight handlers are aborted. */
  async close(): Promise<void> {
    this.shutdown(new ChannelClosedError(), true);
    await this.channel.close().catch((error: unknown) => this.report(asError(error)));
  }

  private async readLoop(): Promise<void> {
    let reason: Error = new ChannelClosedError();
    while (!this.closeReason) {
      let value: unknown;
      try {
        value = await this.channel.receive();
      } catch (error) {
        // A transport that closed for a reason ("could not reach …") says why; pending requests
        // get that, not a bare "closed".
        if (isChannelClosed(error)) reason = asError(error);
        else {
          this.report(asError(error));
          reason = new ChannelClosedError('Channel failed and was closed; open a new connection', {
            cause: error,
          });
        }
        break;
      }
      if (this.closeReason) break;
      try {
        this.inbound.handle(value);
      } catch (error) {
        this.report(asError(error));
      }
    }
    this.shutdown(reason, this.options.abortHandlersOnClose ?? true);
    await this.channel.close().catch(() => undefined);
  }

  private send(message: JsonRpcMessage, replacing = false): void {
    if (this.closeReason) return;
    this.transmit(message).catch((error: unknown) => {
      // Too large to carry: its requests still get an answer, saying so (once: a limit too small
      // even for that answer is reported instead).
      const instead = replacing ? undefined : oversizedReplacement(message, error);
      if (instead) this.send(instead, true);
      else if (!isChannelClosed(error)) this.report(asError(error));
    });
  }

  // A transport that throws instead of rejecting must not leave a request pending forever.
  private transmit(message: JsonRpcMessage): Promise<void> {
    try {
      return this.channel.send(message);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private assertOpen(): void {
    if (this.closeReason) throw new ChannelClosedError(undefined, { cause: this.closeReason });
  }

  private prepare(method: string, params: unknown, options: RequestOptions<unknown> | undefined) {
    this.assertOpen();
    const resultSchema = this.options.methods?.[method]?.result;
    return prepareRequest(this.pending, method, params, options, {
      timeoutMs: this.defaultTimeoutMs,
      resultSchema,
    });
  }

  private shutdown(reason: Error, abortHandlers: boolean): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    this.pending.rejectAll(reason);
    // Handlers left running answer into a closed peer, where `send` drops the response.
    if (abortHandlers) this.dispatcher.abortAll(reason);
    try {
      this.options.onClose?.(reason);
    } catch (error) {
      this.report(asError(error));
    }
    this.resolveClosed();
  }

  private report(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // onError is a logging hook; a failing logger must not take the read loop down with it.
    }
  }
}
