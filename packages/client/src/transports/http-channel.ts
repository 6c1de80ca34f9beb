// An IpcChannel over orchflow's HTTP session protocol (see the server's http-sessions.ts), using
// only `fetch` and streams, so it runs in browsers and Node ≥ 20 without dependencies. The first
// message, `initialize`, is POSTed to `/v1/rpc` and answered directly; its `Orchflow-Session`
// header names the session. Later messages are POSTed one at a time, in order, with that header
// (each answered 202), and everything the server sends arrives on one event stream
// (`GET /v1/rpc`): binary frames, which carry output as raw bytes (http-events.ts), or SSE from a
// server without them.
// A dropped stream is reopened with `Last-Event-ID` (http-event-stream.ts), so nothing is lost or
// repeated; when that is impossible (the session is gone, the server cannot replay) the channel
// closes with `ChannelClosedError`, which fails pending requests locally: nothing is invented. A
// POST whose connection drops fails only its own requests, with the same code ("outcome
// unknown"); a lost `$/cancelRequest` is sent again. Where requests can stream (Node), messages
// go instead on one long POST, one per line, once it has proven itself (http-upload-lane.ts): an
// HTTP request per message was most of what HTTP added to a round trip. `close()` ends the
// session with `DELETE /v1/rpc`, which releases its terminals at once.
import {
  CANCEL_REQUEST_METHOD,
  ChannelClosedError,
  ErrorCode,
  EVENT_FORMAT_QUERY,
  HTTP_SESSION_HEADER,
  type IpcChannel,
  type JsonRpcMessage,
  localFailure,
  MessageQueue,
  OrchflowError,
  type RequestId,
} from '@orchflow/protocol/runtime';
import { HttpEventStream, type HttpStreamReconnectOptions } from './http-event-stream';
import {
  answerError,
  fetchExchange,
  type HttpAnswer,
  type HttpExchange,
  isSuccess,
  parseJson,
} from './http-exchange';
import { HttpUploadLane } from './http-upload-lane';
import { describeNetworkError } from './network-error';

/** How long `close()` waits for the server to confirm the end of the session: 5 s. */
export const HTTP_CLOSE_TIMEOUT_MS = 5_000;

/** Options of {@link HttpChannel}. */
export interface HttpChannelOptions {
  /** Bearer token; default: the `token` of the client's `initialize`. */
  token?: string;
  /** The `fetch` to use. Default: the global one. */
  fetch?: typeof fetch;
  /** How requests are made, instead of `fetch` (the Node entry passes one over `node:http`). */
  exchange?: HttpExchange;
  /** Reopening a dropped event stream. */
  reconnect?: HttpStreamReconnectOptions;
  /**
   * Longest silence of the event stream before it counts as dropped and is reopened (the server
   * writes a keep-alive comment every 15 s; a reopening waits at most 10 s for its answer), and
   * longest wait for a POST's answer. A connection that dies without a FIN or RST (a NAT entry or
   * proxy dropping it silently) is then noticed: requests in flight resume or fail with
   * `ChannelClosed` instead of hanging. Default 45 s; 0 turns it off.
   */
  livenessMs?: number;
  /**
   * Send messages on one streamed POST (`/v1/rpc/stream`) instead of a POST each, where the
   * exchange can stream a request body (the Node entry's can), `livenessMs` is not 0 and the
   * stream proves to reach the server. Default true.
   */
  messageStream?: boolean;
  /**
   * How the server writes the session's events: `frames` (the default) asks for length-prefixed
   * binary frames that carry terminal output as raw bytes, falling back to SSE when the server
   * does not offer them; `sse` always uses Server-Sent Events.
   */
  eventFormat?: 'frames' | 'sse';
  /** Hears events the channel skips (malformed JSON). */
  onError?: (error: Error) => void;
}

/**
 * Largest message sent on the message stream (UTF-8 bytes of its JSON; 1 MiB, a quarter of the
 * server's default body limit): a larger one goes as a POST.
 */
const MESSAGE_STREAM_MAX_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/** True when `text` is at most MESSAGE_STREAM_MAX_BYTES of UTF-8 (a UTF-16 unit is 1–3 bytes). */
function fitsMessageStream(text: string): boolean {
  if (text.length * 3 <= MESSAGE_STREAM_MAX_BYTES) return true;
  if (text.length > MESSAGE_STREAM_MAX_BYTES) return false;
  return encoder.encode(text).byteLength <= MESSAGE_STREAM_MAX_BYTES;
}

/** Extra tries of a `$/cancelRequest` POST that dropped or got `429` (pauses 50–400 ms, ~0.75 s in all). */
const CANCEL_RETRIES = 4;

/** Default of {@link HttpChannelOptions.livenessMs}: three of the server's keep-alive periods. */
export const HTTP_STREAM_LIVENESS_MS = 45_000;

/** JSON-RPC over an orchflow HTTP session. */
export class HttpChannel implements IpcChannel {
  private readonly inbox = new MessageQueue();
  private readonly endpoint: string;
  private readonly http: HttpExchange;
  private readonly stream = new AbortController();
  // ES private fields, not `private`: a bearer token must not show in `util.inspect` or
  // `JSON.stringify` of a client (loggers serialise objects they are handed).
  #token: string | undefined;
  private readonly options: Omit<HttpChannelOptions, 'token'>;
  private session: string | undefined;
  private posting: Promise<unknown> = Promise.resolve();
  private failed = false;
  private lane: HttpUploadLane | undefined;

  constructor(url: string, options: HttpChannelOptions = {}) {
    checkUrl(url);
    const { token, ...rest } = options;
    this.options = rest;
    this.endpoint = `${url.replace(/\/+$/, '')}/v1/rpc`;
    this.#token = token;
    this.http = options.exchange ?? fetchExchange(options.fetch ?? globalThis.fetch.bind(globalThis));
  }

  /** True once closed. */
  get closed(): boolean {
    return this.inbox.closed;
  }

  /** POSTs `message` after every earlier one was accepted (HTTP requests may otherwise overtake). */
  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ChannelClosedError());
    const sent = this.posting.then(() => this.post(message));
    this.posting = sent.catch(() => undefined);
    return sent;
  }

  /** The next response or notification. */
  receive(): Promise<JsonRpcMessage> {
    return this.inbox.receive();
  }

  /** Ends the session (`DELETE`, terminals released at once) unless the connection was lost. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.inbox.close();
    this.stream.abort();
    // Ends the message stream's body after what is being written on it (and releases a message
    // waiting for the stream's lines to be vouched for: with the event stream gone, none can be).
    const laneClosed = this.lane?.close();
    // The DELETE goes after the POST in flight (order), but a hung POST must not hold close() up.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, HTTP_CLOSE_TIMEOUT_MS);
    });
    await Promise.race([this.posting, timeout]);
    clearTimeout(timer);
    // The server takes the stream's last lines (its 204) before the DELETE, as it took POSTs.
    await laneClosed;
    if (this.session === undefined || this.failed) return;
    await this.http
      .send({
        method: 'DELETE',
        url: this.endpoint,
        headers: this.headers(),
        signal: AbortSignal.timeout(HTTP_CLOSE_TIMEOUT_MS),
      })
      .then((response) => response.discard())
      .catch(() => undefined);
  }

  /** Iterates messages until closed. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.inbox.iterate();
  }

  /**
   * POSTs one message. A cancellation whose POST dropped or was refused as `429` (the server at
   * its request limit) is sent again, `retry` more times with a growing pause: sending it twice is
   * harmless, losing it leaves the aborted command running.
   */
  private async post(message: JsonRpcMessage, retry = CANCEL_RETRIES): Promise<void> {
    if (this.closed) throw new ChannelClosedError();
    if (this.lane?.ready) {
      const text = JSON.stringify(message);
      if (fitsMessageStream(text)) {
        // Rejected only when nothing was written: the message goes as a POST instead.
        const written = await this.lane.write(message, text).then(
          () => true,
          () => false,
        );
        if (written) return;
      } else {
        // A message the server may refuse as too large would end the stream, and every request
        // the server has not vouched for with it: it goes as a POST, once the lines before it
        // are the server's (a POST could overtake them).
        await this.lane.settle();
        // The wait ends early when the channel closes or fails: nothing more goes out then.
        if (this.closed) throw new ChannelClosedError();
      }
    }
    const opening = this.session === undefined;
    if (opening) this.takeToken(message);
    let response: HttpAnswer;
    try {
      const livenessMs = this.options.livenessMs ?? HTTP_STREAM_LIVENESS_MS;
      response = await this.http.send({
        method: 'POST',
        // Frames are asked for when the session is created (its events are encoded once, in one
        // format), in the query: a header would fail the CORS preflight of older servers.
        url:
          opening && this.options.eventFormat !== 'sse'
            ? `${this.endpoint}?${EVENT_FORMAT_QUERY}=frames`
            : this.endpoint,
        headers: { ...this.headers(), 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(message),
        // The server answers at once (202 once the message is taken): one that does not answer in
        // the liveness period is unreachable, and the messages queued behind this one must not wait.
        ...(livenessMs > 0 ? { signal: AbortSignal.timeout(livenessMs) } : {}),
      });
    } catch (error) {
      const reason = `Could not reach ${this.endpoint}: ${describeNetworkError(error)}`;
      // Without a session there is nothing to keep. With one, a POST whose connection dropped
      // (a reset, a proxy's hiccup) loses only that message: its requests fail with "connection
      // lost, outcome unknown" and the session goes on; whether the server is gone is for the
      // event stream's reconnect to find out, as over WebSocket.
      if (opening) throw this.fail(reason, error);
      if (isCancel(message) && retry > 0) return this.postAgain(message, retry);
      // Rejecting the send fails the message's requests (RpcPeer) with this local error.
      throw new ChannelClosedError(`${reason}; whether the server took the message is unknown`, {
        cause: error,
      });
    }
    if (response.status === 202) {
      response.discard();
      return;
    }
    if (response.status === 429 && isCancel(message) && retry > 0) {
      response.discard();
      return this.postAgain(message, retry);
    }
    const body = await response.text();
    if (response.status === 404 && !opening)
      throw this.fail(`The HTTP session ended: ${answerError(response, body).message}`);
    const answer = jsonRpcAnswer(body);
    if (answer && isSuccess(response)) {
      const session = response.header(HTTP_SESSION_HEADER);
      this.inbox.push(answer);
      if (opening && session) {
        this.session = session;
        void this.readEvents();
        this.openLane();
      }
      return;
    }
    // Refused before it reached the session (auth, size, parse): its requests get the refusal.
    const error =
      answer && 'error' in answer ? OrchflowError.fromJson(answer.error) : answerError(response, body);
    for (const id of requestIds(message)) this.inbox.push({ jsonrpc: '2.0', id, error: error.toJson() });
  }

  private async postAgain(message: JsonRpcMessage, retry: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (CANCEL_RETRIES - retry)));
    return this.post(message, retry - 1);
  }

  /** Reads the session's event stream until the channel closes or fails. */
  private readEvents(): Promise<void> {
    return new HttpEventStream({
      url: this.endpoint,
      http: this.http,
      signal: this.stream.signal,
      livenessMs: this.options.livenessMs ?? HTTP_STREAM_LIVENESS_MS,
      reconnect: this.options.reconnect ?? {},
      closed: () => this.closed,
      headers: () => this.headers(),
      deliver: (message) => {
        if (!this.lane?.answered(message)) this.inbox.push(message);
      },
      fail: (reason) => void this.fail(reason),
      onError: this.options.onError,
    }).run();
  }

  /** Starts the message stream where the exchange can stream a request body. */
  private openLane(): void {
    const upload = this.http.upload?.bind(this.http);
    const livenessMs = this.options.livenessMs ?? HTTP_STREAM_LIVENESS_MS;
    // Without liveness checks a stream that died silently would hold its requests for ever.
    if (this.options.messageStream === false || !upload || livenessMs <= 0) return;
    const url = `${this.endpoint}/stream`;
    this.lane = new HttpUploadLane({
      open: () => upload({ url, headers: this.headers() }),
      livenessMs,
      onLost: (unanswered, cancellations) => {
        // As for a POST whose connection dropped: whether the server took them is unknown.
        const error = new ChannelClosedError(
          `The message stream to ${url} dropped; whether the server took the request is unknown`,
        );
        for (const id of unanswered) this.inbox.push(localFailure({ id }, error));
        // Sending a cancellation twice is harmless; losing it leaves the command running.
        for (const cancel of cancellations) void this.send(cancel).catch(() => undefined);
      },
    });
    this.lane.start();
  }

  /** The connection is lost: closes the channel so pending requests fail with ChannelClosedError. */
  private fail(message: string, cause?: unknown): ChannelClosedError {
    const error = new ChannelClosedError(message, { cause });
    if (!this.closed) {
      this.failed = true;
      this.lane?.abandon();
      this.inbox.close(error);
      this.stream.abort();
    }
    return error;
  }

  private takeToken(message: JsonRpcMessage): void {
    const params = !Array.isArray(message) && 'params' in message ? message.params : undefined;
    const token = (params as { token?: unknown } | undefined)?.token;
    if (typeof token === 'string') this.#token ??= token;
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers.Authorization = `Bearer ${this.#token}`;
    if (this.session !== undefined) headers[HTTP_SESSION_HEADER] = this.session;
    return headers;
  }
}

/**
 * Refuses a URL that is not one (absolute, or relative to the page in a browser) or that carries
 * credentials: the server takes a bearer token (`{ token }`), and a password in the URL would be
 * repeated in every error that names it.
 */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    // In a page, a relative URL is the page's server, as it is for fetch.
    parsed = new URL(url, (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    throw new OrchflowError(ErrorCode.InvalidParams, `Not a URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (parsed.username || parsed.password) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'The server URL carries a user name or password: give the token as { token } instead (it travels in the Authorization header)',
    );
  }
}

/** The body as a JSON-RPC message, if it is one. */
function jsonRpcAnswer(body: string): JsonRpcMessage | undefined {
  const value = parseJson(body) as { jsonrpc?: unknown } | undefined;
  return value?.jsonrpc === '2.0' ? (value as JsonRpcMessage) : undefined;
}

/** True for a `$/cancelRequest` notification (or a batch of only those). */
function isCancel(message: JsonRpcMessage): boolean {
  const items = Array.isArray(message) ? message : [message];
  return items.length > 0 && items.every((item) => 'method' in item && item.method === CANCEL_REQUEST_METHOD);
}

function requestIds(message: JsonRpcMessage): RequestId[] {
  const ids: RequestId[] = [];
  for (const item of Array.isArray(message) ? message : [message]) {
    if ('method' in item && 'id' in item && item.id !== undefined) ids.push(item.id);
  }
  return ids;
}
