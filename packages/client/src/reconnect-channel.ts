// `ReconnectingChannel`: an IpcChannel that outlives the connections under it. When one drops it
// reconnects with exponential backoff, sends the client's `initialize` again, re-subscribes every
// open output stream from the offset after its last delivered byte and drops anything delivered
// twice, so the client above sees one unbroken channel with no byte missed or repeated.
import {
  ChannelClosedError,
  ErrorCode,
  type IpcChannel,
  isOrchflowError,
  type JsonRpcMessage,
  localFailure,
  MessageQueue,
  OrchflowError,
} from '@orchflow/protocol/runtime';
import { ReconnectTracker } from './reconnect-tracker';

/** Backoff and events of a {@link ReconnectingChannel}. */
export interface ReconnectOptions {
  /** Attempts per outage before giving up and closing. Default 10. */
  maxAttempts?: number;
  /** Delay before the first attempt; doubles per attempt. Default 100 ms. */
  initialDelayMs?: number;
  /** Largest delay between attempts. Default 5 s. */
  maxDelayMs?: number;
  /** Called before each attempt. */
  onReconnecting?: (event: ReconnectingEvent) => void;
  /** Called once a new connection carries the client again. */
  onReconnected?: (event: ReconnectedEvent) => void;
}

/** A connection was lost and an attempt is about to start. */
export interface ReconnectingEvent {
  attempt: number;
  delayMs: number;
  error: Error;
}

/** The client is connected again. */
export interface ReconnectedEvent {
  /** Attempts this outage took. */
  attempts: number;
  /** Output subscriptions resumed from their last offset. */
  resumed: number;
}

/** The events of a {@link ReconnectingChannel}. */
export interface ReconnectEvents {
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
}

/** Errors that another attempt cannot fix. */
const FATAL_CODES = new Set<number>([ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.VersionMismatch]);
const INTERNAL_ID_PREFIX = '$orchflow.reconnect.';
/**
 * Messages read ahead of the client before the pump waits for it to take one. The connection's own
 * flow control (a NATS session's window, a socket's buffers) then holds the sender back, instead of
 * this inbox growing without bound under a client that reads slowly.
 */
const READ_AHEAD_MESSAGES = 16;

interface Waiter {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** An {@link IpcChannel} that reconnects through `connect` and resumes the client's streams. */
export class ReconnectingChannel implements IpcChannel {
  private readonly inbox = new MessageQueue();
  private readonly tracker = new ReconnectTracker();
  private readonly waiters = new Map<string, Waiter>();
  private readonly listeners: { [E in keyof ReconnectEvents]: Set<(event: ReconnectEvents[E]) => void> } = {
    reconnecting: new Set(),
    reconnected: new Set(),
  };
  private outbox: JsonRpcMessage[] = [];
  private current: IpcChannel;
  private ready = true;
  private userClosed = false;
  private internalIds = 0;
  /** Resolves the pump's wait for the client to take a message. */
  private demand: (() => void) | undefined;

  private constructor(
    first: IpcChannel,
    private readonly connect: () => Promise<IpcChannel>,
    private readonly options: ReconnectOptions,
  ) {
    this.current = first;
    if (options.onReconnecting) this.listeners.reconnecting.add(options.onReconnecting);
    if (options.onReconnected) this.listeners.reconnected.add(options.onReconnected);
    void this.pump(first);
  }

  /** Connects once (failing fast if that fails) and returns the channel. */
  static async open(
    connect: () => Promise<IpcChannel>,
    options: ReconnectOptions = {},
  ): Promise<ReconnectingChannel> {
    return new ReconnectingChannel(await connect(), connect, options);
  }

  /** True once closed by the caller or after reconnecting gave up. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /** Listens to `reconnecting` or `reconnected`; returns a function that stops listening. */
  on<E extends keyof ReconnectEvents>(event: E, listener: (event: ReconnectEvents[E]) => void): () => void {
    const set = this.listeners[event] as Set<(event: ReconnectEvents[E]) => void>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Sends now, or after the reconnect in progress. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ChannelClosedError();
    const mapped = this.tracker.outgoing(message, this.ready);
    if (!this.ready) {
      this.outbox.push(mapped);
      return;
    }
    // A failed send is not the caller's error: the request is tracked and handled on reconnect.
    await this.current.send(mapped).catch(() => undefined);
  }

  /** The next message for the client. */
  async receive(): Promise<JsonRpcMessage> {
    const message = await this.inbox.receive();
    if (this.inbox.size < READ_AHEAD_MESSAGES) this.wake();
    return message;
  }

  /** Closes the current connection and stops reconnecting. */
  async close(): Promise<void> {
    this.userClosed = true;
    this.inbox.close();
    this.wake();
    await this.current.close();
  }

  /** Iterates messages until the channel closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    for (;;) {
      let message: JsonRpcMessage;
      try {
        message = await this.receive();
      } catch (error) {
        if (this.inbox.closed) return;
        throw error;
      }
      yield message;
    }
  }

  private async pump(channel: IpcChannel): Promise<void> {
    let reason: Error = new ChannelClosedError('The connection closed');
    try {
      for await (const message of channel) {
        this.deliver(message);
        // Answers to this channel's own requests (a reconnect's) are read whatever the client does.
        while (this.inbox.size >= READ_AHEAD_MESSAGES && this.waiters.size === 0 && !this.userClosed) {
          await new Promise<void>((resolve) => {
            this.demand = resolve;
          });
        }
      }
    } catch (error) {
      reason = error as Error;
    }
    for (const waiter of this.waiters.values()) waiter.reject(reason);
    this.waiters.clear();
    if (channel !== this.current || this.userClosed || !this.ready) return;
    this.ready = false;
    const { failures, resend } = this.tracker.disconnected();
    for (const failure of failures) this.inbox.push(failure);
    this.outbox.unshift(...resend);
    void this.reconnect(reason);
  }

  private wake(): void {
    const demand = this.demand;
    this.demand = undefined;
    demand?.();
  }

  private deliver(message: JsonRpcMessage): void {
    if (
      !Array.isArray(message) &&
      'id' in message &&
      typeof message.id === 'string' &&
      !('method' in message)
    ) {
      const waiter = this.waiters.get(message.id);
      if (waiter) {
        this.waiters.delete(message.id);
        if ('error' in message) waiter.reject(OrchflowError.fromJson(message.error));
        else waiter.resolve(message.result);
        return;
      }
    }
    const mapped = this.tracker.incoming(message);
    if (mapped !== undefined) this.inbox.push(mapped);
  }

  private async reconnect(cause: Error): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 10;
    let error = cause;
    for (let attempt = 1; attempt <= maxAttempts && !this.userClosed; attempt++) {
      const delayMs = Math.min(
        this.options.maxDelayMs ?? 5_000,
        (this.options.initialDelayMs ?? 100) * 2 ** (attempt - 1),
      );
      for (const listener of this.listeners.reconnecting) listener({ attempt, delayMs, error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.userClosed) return;
      try {
        const channel = await this.connect();
        if (this.userClosed) {
          // Closed while connecting: close() could not see this connection, so close it here.
          await channel.close().catch(() => undefined);
          return;
        }
        const resumed = await this.resume(channel);
        for (const listener of this.listeners.reconnected) listener({ attempts: attempt, resumed });
        return;
      } catch (failure) {
        error = failure as Error;
        if (isOrchflowError(failure) && FATAL_CODES.has(failure.code)) break;
      }
    }
    if (this.userClosed) return;
    this.inbox.close(new ChannelClosedError(`Gave up reconnecting: ${error.message}`, { cause: error }));
  }

  /** Brings a new connection to where the old one was; returns how many streams resumed. */
  private async resume(channel: IpcChannel): Promise<number> {
    this.current = channel;
    void this.pump(channel);
    try {
      await this.request(channel, 'initialize', this.tracker.initParams ?? {});
      let resumed = 0;
      for (const subscription of this.tracker.openSubscriptions()) {
        const params = { terminalId: subscription.terminalId, fromOffset: subscription.next };
        try {
          await this.request(channel, 'terminal.subscribe', params, (result) => {
            // Bound before later messages are read, so no chunk of the new id goes unmapped.
            this.tracker.rebind(subscription.clientId, (result as { subscriptionId: string }).subscriptionId);
          });
          resumed++;
        } catch (error) {
          if (!isOrchflowError(error)) throw error;
          // The terminal is gone (killed, or removed while we were away): the client's stream
          // fails with the server's answer; no exit is made up, its exit status is unknown.
          this.tracker.drop(subscription.clientId);
          this.inbox.push(localFailure({ subscriptionId: subscription.clientId }, error));
        }
      }
      this.ready = true;
      const queued = this.outbox;
      this.outbox = [];
      for (const message of queued) {
        this.tracker.markSent(message);
        // If this connection drops too, its pump starts the next reconnect.
        await channel.send(message).catch(() => undefined);
      }
      return resumed;
    } catch (error) {
      this.ready = false;
      await channel.close();
      throw error;
    }
  }

  private request(
    channel: IpcChannel,
    method: string,
    params: unknown,
    onResult?: (result: unknown) => void,
  ): Promise<unknown> {
    const id = `${INTERNAL_ID_PREFIX}${++this.internalIds}`;
    const done = new Promise<unknown>((resolve, reject) => {
      this.waiters.set(id, {
        resolve: (result) => {
          onResult?.(result);
          resolve(result);
        },
        reject,
      });
    });
    // A pump waiting for the client must read this answer.
    this.wake();
    void channel
      .send({ jsonrpc: '2.0', id, method, params: params as Record<string, unknown> })
      .catch(() => undefined);
    return done;
  }
}
