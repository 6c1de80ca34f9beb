// An IpcChannel over a W3C-style WebSocket (the browser's global, Node ≥ 22's global, or `ws`,
// which offers the same `addEventListener` API): one JSON-RPC message per text frame, except
// `terminal.output` as binary frames once the server accepted `orchflow.v1+binary-output` (see
// websocket-binary.ts). Browser-safe: the socket is made by a factory, so this file never imports
// a WebSocket implementation.
import {
  ChannelClosedError,
  ErrorCode,
  type IpcChannel,
  type JsonRpcMessage,
  MessageQueue,
  OrchflowError,
} from '@orchflow/protocol/runtime';
import { decodeBinaryOutput, WS_BINARY_OUTPUT_PROTOCOL, WS_JSON_PROTOCOL } from './websocket-binary';
import { isPingAnswer, PingWatchdog } from './websocket-ping';

/** The part of the W3C WebSocket API the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** The subprotocol the server accepted ('' for none). */
  readonly protocol?: string;
  /** How binary frames arrive; set to `arraybuffer` where the default is `blob` (browsers). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: never) => void): void;
}

/**
 * Makes a socket for `url`, e.g. `(url, protocols) => new WebSocket(url, protocols)`. A factory
 * that ignores `protocols` still works: the server then sends only JSON text frames.
 */
export type WebSocketFactory = (url: string, protocols?: string[]) => WebSocketLike;

/** Default time to wait for a socket to open: 10 s. */
export const DEFAULT_WS_CONNECT_TIMEOUT_MS = 10_000;
/** Queued outgoing bytes above which `send` waits for the socket to drain: 1 MiB. */
export const WS_SEND_HIGH_WATER_BYTES = 1024 * 1024;
const OPEN = 1;
// What `ws` reports when a server accepted the upgrade without choosing an offered subprotocol.
const NO_SUBPROTOCOL = 'Server sent no subprotocol';

/** Options of {@link WebSocketClientChannel.connect}. */
export interface WebSocketChannelOptions {
  /** Time to wait for the socket to open. Default 10 s. */
  timeoutMs?: number;
  onError?: (error: Error) => void;
  /** Offer `orchflow.v1+binary-output`. Default true. */
  binaryOutput?: boolean;
  /**
   * Send `$/ping` after this long without a frame, and close the connection after twice as long
   * (see websocket-ping.ts). 0 (default): off, for sockets that ping by themselves (`ws`).
   */
  pingIntervalMs?: number;
}

/** Close code sent when the server stopped answering pings (the 4000s are the application's). */
const CLOSE_NO_ANSWER = 4000;

/** An {@link IpcChannel} over an open {@link WebSocketLike}. */
export class WebSocketClientChannel implements IpcChannel {
  private readonly queue = new MessageQueue();
  private readonly binaryOutput: boolean;
  private readonly watchdog: PingWatchdog | undefined;

  private constructor(
    private readonly socket: WebSocketLike,
    private readonly onError: ((error: Error) => void) | undefined,
    pingIntervalMs: number,
  ) {
    this.binaryOutput = socket.protocol === WS_BINARY_OUTPUT_PROTOCOL;
    socket.addEventListener('message', (event: { data: unknown }) => this.onMessage(event.data));
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => {
      this.watchdog?.stop();
      const reason = event.reason ? `: ${event.reason}` : '';
      this.queue.close(new ChannelClosedError(`WebSocket closed (code ${event.code ?? 'unknown'})${reason}`));
    });
    if (pingIntervalMs > 0) {
      this.watchdog = new PingWatchdog(
        pingIntervalMs,
        (text) => socket.send(text),
        (silentMs) => {
          // Ended here at once: a browser may wait long for the close handshake of a dead link.
          this.queue.close(
            new ChannelClosedError(
              `No frame from the server for ${silentMs} ms, not even an answer to $/ping: the connection is gone`,
            ),
          );
          socket.close(CLOSE_NO_ANSWER, 'no answer to ping');
        },
      );
    }
  }

  /**
   * Opens a socket with `factory` and resolves once it is open. Unless `binaryOutput` is false it
   * offers `orchflow.v1+binary-output` (then plain `orchflow.v1`); servers that pick neither get JSON.
   */
  static async connect(
    url: string,
    factory: WebSocketFactory,
    options: WebSocketChannelOptions = {},
  ): Promise<WebSocketClientChannel> {
    if (options.binaryOutput === false) return WebSocketClientChannel.open(url, factory(url), options);
    try {
      return await WebSocketClientChannel.open(
        url,
        factory(url, [WS_BINARY_OUTPUT_PROTOCOL, WS_JSON_PROTOCOL]),
        options,
      );
    } catch (error) {
      // `ws` fails a handshake that picks none of the offered subprotocols (browsers accept it):
      // such a server knows no subprotocols, so ask again without offering any.
      if (!(error instanceof Error && error.message.includes(NO_SUBPROTOCOL))) throw error;
      return WebSocketClientChannel.open(url, factory(url), options);
    }
  }

  private static open(
    url: string,
    socket: WebSocketLike,
    options: WebSocketChannelOptions,
  ): Promise<WebSocketClientChannel> {
    // A Blob would need an async read and could reorder frames; `ws` keeps its Buffer default.
    if (socket.binaryType === 'blob') socket.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.close();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(new ChannelClosedError(`Could not connect to ${url}: no answer within the connect timeout`)),
        options.timeoutMs ?? DEFAULT_WS_CONNECT_TIMEOUT_MS,
      );
      socket.addEventListener('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new WebSocketClientChannel(socket, options.onError, options.pingIntervalMs ?? 0));
      });
      socket.addEventListener('error', (event: { message?: string; error?: unknown }) =>
        fail(connectError(url, event)),
      );
      socket.addEventListener('close', (event: { code?: number }) =>
        fail(
          new ChannelClosedError(`Could not connect to ${url}: closed with code ${event.code ?? 'unknown'}`),
        ),
      );
    });
  }

  /** True once the socket closed. */
  get closed(): boolean {
    return this.queue.closed;
  }

  /** Sends one text frame; waits while the socket has more than 1 MiB queued. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed || this.socket.readyState !== OPEN) throw new ChannelClosedError();
    this.socket.send(JSON.stringify(message));
    // Browsers have no drain event: poll so a fast producer cannot queue without bound.
    while (this.socket.bufferedAmount > WS_SEND_HIGH_WATER_BYTES && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The next message from the server. */
  receive(): Promise<JsonRpcMessage> {
    return this.queue.receive();
  }

  /** Closes the socket normally; idempotent. */
  close(): Promise<void> {
    this.watchdog?.stop();
    this.queue.close();
    if (this.socket.readyState <= OPEN) this.socket.close(1000, 'client closed');
    return Promise.resolve();
  }

  /** Iterates received messages until the socket closes. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    return this.queue.iterate();
  }

  private onMessage(data: unknown): void {
    this.watchdog?.heard();
    if (typeof data !== 'string') {
      this.onBinary(data);
      return;
    }
    try {
      const message = JSON.parse(data) as JsonRpcMessage;
      if (this.watchdog && isPingAnswer(message)) return;
      this.queue.push(message);
    } catch (error) {
      this.onError?.(new Error(`Ignored a frame that is not JSON: ${(error as Error).message}`));
    }
  }

  private onBinary(data: unknown): void {
    const bytes = binaryBytes(data);
    if (!this.binaryOutput || bytes === undefined) {
      this.onError?.(new Error('Ignored a binary frame; this connection did not negotiate binary output'));
      return;
    }
    try {
      this.queue.push(decodeBinaryOutput(bytes));
    } catch (error) {
      this.onError?.(new Error(`Ignored a malformed binary frame: ${(error as Error).message}`));
    }
  }
}

/** The bytes of a binary frame: a Buffer from `ws`, an ArrayBuffer elsewhere; undefined for a Blob. */
function binaryBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

// What each refusal of the upgrade means, in the words the Unix socket's `initialize` uses.
const REFUSALS: Record<string, string> = {
  '401':
    "the token was not accepted; use a token from the server's --token or --tokens file (client option `token`)",
  '403':
    "this page's Origin is not allowed; start the server with --allow-origin ORIGIN (option allowedOrigins)",
  '503':
    'the server is at its connection limit, or this token (or connections without one) holds its share of it; retry later',
};

/**
 * The error of a failed connect. `ws` reports an HTTP refusal as "Unexpected server response:
 * 401"; those become the matching OrchflowError so callers see Unauthorized, not a socket error.
 */
function connectError(url: string, event: { message?: string; error?: unknown }): Error {
  const text = event.message ?? (event.error instanceof Error ? event.error.message : 'connection failed');
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
  const code =
    status === '401'
      ? ErrorCode.Unauthorized
      : status === '403'
        ? ErrorCode.Forbidden
        : status === '503'
          ? ErrorCode.Overloaded
          : undefined;
  if (code !== undefined) {
    return new OrchflowError(
      code,
      `The server at ${url} refused the connection (HTTP ${status}): ${REFUSALS[status ?? '']}`,
      { status: Number(status) },
    );
  }
  // Something answered HTTP there but serves no WebSocket: most often orchflow's HTTP listener.
  const hint =
    status === '404' || status === '400'
      ? ` (nothing serves orchflow's WebSocket there: if it is an orchflow HTTP listener, from \`serve --http\`, connect with OrchflowClient.http('${url.replace(/^ws/, 'http')}') instead; the WebSocket listener is \`serve --ws\`)`
      : '';
  return new ChannelClosedError(`Could not connect to ${url}: ${text}${hint}`);
}
