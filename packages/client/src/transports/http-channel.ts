// An IpcChannel that speaks orchflow's REST + SSE API with `fetch` (browsers, Node ≥ 18), so
// `OrchflowClient` runs unchanged over HTTP: each JSON-RPC request becomes one HTTP request, a
// `terminal.subscribe` opens an SSE stream whose events become `terminal.output`/`gap`/`exit`
// notifications, and methods without a REST route go to `POST /v1/rpc`.
import {
  ChannelClosedError,
  ErrorCode,
  type IpcChannel,
  type JsonRpcMessage,
  type JsonRpcRequest,
  MessageQueue,
  OrchflowError,
} from '@orchflow/protocol';
import { httpRoute } from './http-routes';
import { readSse, type SseEvent } from './http-sse';

/** Options of {@link HttpChannel}. */
export interface HttpChannelOptions {
  /** Bearer token; default: the `token` of the client's `initialize`. */
  token?: string;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
}

type Fields = Record<string, unknown>;

const SSE_METHODS: Record<string, string | undefined> = {
  output: 'terminal.output',
  gap: 'terminal.gap',
  exit: 'terminal.exit',
};
/** First delay before reopening a broken SSE stream; doubles per failure. */
const SSE_RETRY_MS = 100;
/** Failed reopen attempts in a row before a stream is given up. */
const SSE_MAX_RETRIES = 6;

/** JSON-RPC over orchflow's HTTP API. */
export class HttpChannel implements IpcChannel {
  private readonly inbox = new MessageQueue();
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly streams = new Map<string, AbortController>();
  private readonly requests = new Map<string | number, AbortController>();
  private token: string | undefined;
  private streamIds = 0;

  constructor(url: string, options: HttpChannelOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.token = options.token;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /** Performs each request over HTTP; its response arrives through `receive()`. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ChannelClosedError();
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!('method' in item)) continue;
      if (item.method === '$/cancelRequest') {
        this.requests.get((item.params as Fields | undefined)?.id as string)?.abort();
      } else if ('id' in item) {
        void this.perform(item as JsonRpcRequest);
      }
    }
  }

  /** The next response or notification. */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Aborts open streams and requests. */
  close(): Promise<void> {
    this.inbox.close();
    for (const controller of [...this.streams.values(), ...this.requests.values()]) controller.abort();
    return Promise.resolve();
  }

  /** Iterates messages until closed. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inbox.iterate();
  }

  private async perform(request: JsonRpcRequest): Promise<void> {
    const controller = new AbortController();
    this.requests.set(request.id, controller);
    try {
      const result = await this.resolve(request, controller.signal);
      this.inbox.push({ jsonrpc: '2.0', id: request.id, result });
    } catch (error) {
      const failure = controller.signal.aborted
        ? new OrchflowError(ErrorCode.Cancelled, `'${request.method}' was cancelled`)
        : OrchflowError.from(error);
      this.inbox.push({ jsonrpc: '2.0', id: request.id, error: failure.toJson() });
    } finally {
      this.requests.delete(request.id);
    }
  }

  private async resolve(request: JsonRpcRequest, signal: AbortSignal): Promise<unknown> {
    const params = (request.params ?? {}) as Fields;
    switch (request.method) {
      case 'initialize':
        if (typeof params.token === 'string') this.token ??= params.token;
        return this.http('GET', '/v1/session', undefined, signal);
      case '$/ping':
        await this.http('GET', '/v1/health', undefined, signal);
        return { pong: true, time: Date.now() };
      case 'terminal.subscribe':
        return this.subscribe(params);
      case 'terminal.unsubscribe': {
        const controller = this.streams.get(String(params.subscriptionId));
        this.streams.delete(String(params.subscriptionId));
        controller?.abort();
        return { unsubscribed: controller !== undefined };
      }
    }
    const route = httpRoute(request.method, params);
    if (route) return this.http(route.method, route.path, route.body, signal);
    const response = (await this.http(
      'POST',
      '/v1/rpc',
      { jsonrpc: '2.0', id: 1, method: request.method, params },
      signal,
    )) as Fields;
    if (response.error) throw OrchflowError.fromJson(response.error);
    return response.result;
  }

  /** Opens the SSE stream; resolves with the subscription once its `open` event arrived. */
  private async subscribe(params: Fields): Promise<{ subscriptionId: string; offset: number }> {
    const terminalId = String(params.terminalId);
    const controller = new AbortController();
    const fromOffset = typeof params.fromOffset === 'number' ? params.fromOffset : undefined;
    const { events, offset } = await this.openStream(terminalId, fromOffset, controller.signal);
    const subscriptionId = `http-sub-${++this.streamIds}`;
    this.streams.set(subscriptionId, controller);
    void this.pumpStream(events, { terminalId, subscriptionId, next: offset, signal: controller.signal });
    return { subscriptionId, offset };
  }

  private async openStream(
    terminalId: string,
    fromOffset: number | undefined,
    signal: AbortSignal,
  ): Promise<{ events: AsyncGenerator<SseEvent>; offset: number }> {
    const query = fromOffset === undefined ? '' : `?fromOffset=${fromOffset}`;
    const path = `/v1/terminals/${encodeURIComponent(terminalId)}/stream${query}`;
    const response = await this.fetch(`${this.base}${path}`, { headers: this.headers(), signal });
    if (!response.ok || !response.body) throw await errorOf(response);
    const events = readSse(response.body);
    const first = await events.next();
    if (first.done || first.value.event !== 'open') {
      await events.return(undefined);
      throw new OrchflowError(ErrorCode.InternalError, 'The SSE stream did not start with an open event');
    }
    return { events, offset: (JSON.parse(first.value.data) as { offset: number }).offset };
  }

  /**
   * Turns SSE events into notifications. A stream that breaks before `exit` (proxy timeout,
   * server restart) is reopened from the offset after the last event, so nothing is lost or repeated.
   */
  private async pumpStream(
    initial: AsyncGenerator<SseEvent>,
    stream: { terminalId: string; subscriptionId: string; next: number; signal: AbortSignal },
  ): Promise<void> {
    const base = { terminalId: stream.terminalId, subscriptionId: stream.subscriptionId };
    let events: AsyncGenerator<SseEvent> | undefined = initial;
    let failures = 0;
    while (events && !stream.signal.aborted && !this.closed) {
      try {
        for await (const { event, data, id } of events) {
          failures = 0;
          if (id !== undefined) stream.next = Number(id);
          const method = SSE_METHODS[event];
          if (method)
            this.inbox.push({ jsonrpc: '2.0', method, params: { ...(JSON.parse(data) as Fields), ...base } });
          if (event === 'exit') {
            this.streams.delete(stream.subscriptionId);
            return;
          }
        }
      } catch {
        // Broken or aborted; decided below.
      }
      events = undefined;
      while (!events && !stream.signal.aborted && !this.closed && failures < SSE_MAX_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, SSE_RETRY_MS * 2 ** failures++));
        events = await this.openStream(stream.terminalId, stream.next, stream.signal).then(
          (opened) => opened.events,
          () => undefined,
        );
      }
    }
    this.streams.delete(stream.subscriptionId);
    if (!stream.signal.aborted && !this.closed) {
      // Could not reopen: end the client's stream rather than leave it waiting forever.
      this.inbox.push({
        jsonrpc: '2.0',
        method: 'terminal.exit',
        params: { ...base, exitCode: null, signal: null },
      });
    }
  }

  private async http(method: string, path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const headers = this.headers();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  private headers(): Record<string, string> {
    return this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` };
  }
}

/** The OrchflowError of a failed response, from its JSON error body when it has one. */
async function errorOf(response: Response): Promise<OrchflowError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (body.error) return OrchflowError.fromJson(body.error);
  } catch {
    // Not JSON (a proxy's error page): report the status below.
  }
  return new OrchflowError(
    ErrorCode.InternalError,
    `HTTP ${response.status} from the server: ${text.slice(0, 200)}`,
  );
}
