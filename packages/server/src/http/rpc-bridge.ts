// The HTTP handlers' way into core: an in-process IpcChannel whose far end is served by
// `serveChannel` for the request's principal, so REST calls pass exactly the dispatcher, param
// validation and principal scoping every other transport does. Notifications (an SSE stream's
// output) go to a sink whose promise `send` returns, so a slow HTTP reader holds the terminal back
// through core's subscription flow control instead of being buffered here.
import { type Orchestrator, type ServedChannel, serveChannel } from '@orchflow/core';
import {
  ChannelClosedError,
  type InitializeResult,
  type IpcChannel,
  type JsonRpcMessage,
  MessageQueue,
  OrchflowError,
  PROTOCOL_VERSION,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';

/** Receives the server's notifications; the returned promise is the backpressure. */
export type NotificationSink = (method: string, params: Record<string, unknown>) => Promise<void>;

interface Waiter {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** A one-principal in-process connection to an orchestrator. */
export class RpcBridge implements IpcChannel {
  private readonly inbox = new MessageQueue();
  private readonly waiters = new Map<number, Waiter>();
  private ids = 0;
  private served: ServedChannel | undefined;
  /** The `initialize` result: the principal and the server's capabilities. */
  session!: InitializeResult;

  private constructor(private readonly sink: NotificationSink | undefined) {}

  /** Serves a new bridge for `principal` and performs `initialize`. */
  static async open(
    orch: Orchestrator,
    principal: Principal,
    options: { sink?: NotificationSink; serverInfo?: ServerInfo; maxStallMs?: number } = {},
  ): Promise<RpcBridge> {
    const bridge = new RpcBridge(options.sink);
    bridge.served = serveChannel(orch, bridge, {
      principal,
      // HTTP terminals live until DELETE; a request ending says nothing about them.
      killTerminalsOnClose: false,
      transports: ['http'],
      serverInfo: options.serverInfo,
      maxStallMs: options.maxStallMs,
    });
    bridge.session = (await bridge.call('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      clientInfo: { name: 'orchflow-http' },
    })) as InitializeResult;
    return bridge;
  }

  /** Calls `method`; rejects with the OrchflowError the dispatcher answered. */
  call(method: string, params: unknown): Promise<unknown> {
    const id = ++this.ids;
    const done = new Promise<unknown>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    this.inbox.push({ jsonrpc: '2.0', id, method, params: params as Record<string, unknown> });
    return done;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /** The dispatcher's side: a response settles its call, a notification goes to the sink. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ChannelClosedError();
    for (const item of Array.isArray(message) ? message : [message]) {
      if ('method' in item) {
        if (this.sink) await this.sink(item.method, (item.params ?? {}) as Record<string, unknown>);
        continue;
      }
      if (typeof item.id !== 'number') continue;
      const waiter = this.waiters.get(item.id);
      this.waiters.delete(item.id);
      if ('error' in item) waiter?.reject(OrchflowError.fromJson(item.error));
      else waiter?.resolve(item.result);
    }
  }

  /** The dispatcher reads requests here. */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Ends the connection; core disposes its subscriptions. */
  async close(): Promise<void> {
    this.inbox.close();
    for (const waiter of this.waiters.values()) waiter.reject(new ChannelClosedError());
    this.waiters.clear();
    await this.served?.closed;
  }

  /** Iterates requests for the dispatcher. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inbox.iterate();
  }
}
