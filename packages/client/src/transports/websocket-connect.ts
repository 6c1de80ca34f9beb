// Opening a WebSocket channel for `OrchflowClient`: picks the socket implementation (the given
// factory, else the runtime's global `WebSocket`) and, unless turned off, wraps the connection in
// a `ReconnectingChannel`. Browser-safe: `ws` is supplied only by `@orchflow/client/node`.
import { ErrorCode, type IpcChannel, OrchflowError } from '@orchflow/protocol/runtime';
import type { OrchflowClientOptions } from '../client';
import { ReconnectingChannel, type ReconnectOptions } from '../reconnect-channel';
import { WebSocketClientChannel, type WebSocketFactory, type WebSocketLike } from './websocket-channel';
import { DEFAULT_WS_PING_INTERVAL_MS } from './websocket-ping';

/** Options of `OrchflowClient.websocket`. */
export interface WebSocketClientOptions extends OrchflowClientOptions {
  /** Makes the socket. Default: the global `WebSocket` (browsers, Node ≥ 22). */
  createSocket?: WebSocketFactory;
  /** Time to wait for each connection to open. Default 10 s. */
  connectTimeoutMs?: number;
  /** Reconnect with backoff and resume streams (default), or `false` to end with the connection. */
  reconnect?: ReconnectOptions | false;
  /** Offer the `orchflow.v1+binary-output` subprotocol (terminal output as binary frames). Default true. */
  binaryOutput?: boolean;
  /**
   * Liveness for sockets that cannot ping (a browser's): after this many ms without a frame the
   * client sends `$/ping`, and after twice as long it gives the connection up (and reconnects), so
   * a link that died silently does not look open. Default 15 s with the global WebSocket, 0 (off)
   * with `createSocket` (the Node entry's `ws` socket pings at the WebSocket level instead).
   */
  pingIntervalMs?: number;
}

/** Connects to `url` and returns the channel (reconnecting unless `reconnect: false`). */
export async function openWebSocketChannel(
  url: string,
  options: WebSocketClientOptions = {},
): Promise<IpcChannel> {
  checkWebSocketUrl(url);
  const factory = options.createSocket ?? globalWebSocketFactory();
  const pingIntervalMs = options.pingIntervalMs ?? (options.createSocket ? 0 : DEFAULT_WS_PING_INTERVAL_MS);
  if (!Number.isInteger(pingIntervalMs) || pingIntervalMs < 0) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `pingIntervalMs must be a whole number of ms ≥ 0 (got ${pingIntervalMs}); 0 turns the pings off`,
    );
  }
  const connect = () =>
    WebSocketClientChannel.connect(url, factory, {
      timeoutMs: options.connectTimeoutMs,
      onError: options.onError,
      binaryOutput: options.binaryOutput,
      pingIntervalMs,
    });
  if (options.reconnect === false) return connect();
  return ReconnectingChannel.open(connect, options.reconnect ?? {});
}

// http(s) URLs are taken too, as browsers' WebSocket and `ws` both take them (and mean ws(s)).
const WEBSOCKET_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:', 'ws+unix:']);

/**
 * Throws InvalidParams for a URL a WebSocket cannot open, saying what to write instead: the
 * socket's own error (`SyntaxError: Invalid URL`, from deep inside the first connect) names
 * neither the scheme that is missing nor the option that would fix it.
 */
export function checkWebSocketUrl(url: string): void {
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = undefined;
  }
  if (scheme !== undefined && WEBSOCKET_SCHEMES.has(scheme)) return;
  const problem = scheme === undefined ? 'is not a URL' : `has the scheme ${scheme}`;
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `WebSocket URL ${JSON.stringify(url)} ${problem}: use ws://host:port (or wss://host:port for TLS), e.g. ws://127.0.0.1:7777`,
    { url },
  );
}

function globalWebSocketFactory(): WebSocketFactory {
  const Socket = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => WebSocketLike })
    .WebSocket;
  if (Socket === undefined) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'This runtime has no global WebSocket (Node < 22): import OrchflowClient from the @orchflow/client/node entry (its websocket() uses ws), or pass createSocket',
    );
  }
  return (url, protocols) => new Socket(url, protocols);
}
