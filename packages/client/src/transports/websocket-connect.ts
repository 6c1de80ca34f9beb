// Opening a WebSocket channel for `OrchflowClient`: picks the socket implementation (the given
// factory, else the runtime's global `WebSocket`) and, unless turned off, wraps the connection in
// a `ReconnectingChannel`. Browser-safe: `ws` is supplied only by `@orchflow/client/node`.
import { ErrorCode, type IpcChannel, OrchflowError } from '@orchflow/protocol/runtime';
import type { OrchflowClientOptions } from '../client';
import { ReconnectingChannel, type ReconnectOptions } from '../reconnect-channel';
import { WebSocketClientChannel, type WebSocketFactory, type WebSocketLike } from './websocket-channel';

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
}

/** Connects to `url` and returns the channel (reconnecting unless `reconnect: false`). */
export async function openWebSocketChannel(
  url: string,
  options: WebSocketClientOptions = {},
): Promise<IpcChannel> {
  const factory = options.createSocket ?? globalWebSocketFactory();
  const connect = () =>
    WebSocketClientChannel.connect(url, factory, {
      timeoutMs: options.connectTimeoutMs,
      onError: options.onError,
      binaryOutput: options.binaryOutput,
    });
  if (options.reconnect === false) return connect();
  return ReconnectingChannel.open(connect, options.reconnect ?? {});
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
