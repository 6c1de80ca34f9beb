// The Node side of the WebSocket transport: sockets from the `ws` package, which (unlike browsers)
// can send the token as an `Authorization: Bearer` header, so a bad token is refused at the upgrade.
import WebSocket from 'ws';
import { OrchflowClient } from '../client';
import type { WebSocketFactory, WebSocketLike } from './websocket-channel';
import { openWebSocketChannel, type WebSocketClientOptions } from './websocket-connect';

/** Options of {@link createNodeWebSocket}. */
export interface NodeWebSocketOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra upgrade request headers. */
  headers?: Record<string, string>;
  /** Largest frame accepted from the server. Default: `ws`'s 100 MiB. */
  maxPayloadBytes?: number;
  /**
   * How often the connection must show it is alive (a ping is sent; any frame from the server
   * counts); one that stays silent for two periods is closed. Default 15 s; 0 turns it off.
   */
  livenessIntervalMs?: number;
}

/** Default of {@link NodeWebSocketOptions.livenessIntervalMs}: 15 s. */
export const DEFAULT_WS_LIVENESS_INTERVAL_MS = 15_000;

/** A socket factory backed by `ws`. */
export function createNodeWebSocket(options: NodeWebSocketOptions = {}): WebSocketFactory {
  const headers = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  const interval = options.livenessIntervalMs ?? DEFAULT_WS_LIVENESS_INTERVAL_MS;
  if (!Number.isInteger(interval) || interval < 0) {
    throw new TypeError(`livenessIntervalMs must be a whole number of ms ≥ 0 (got ${interval})`);
  }
  return (url, protocols) => {
    const socket = new WebSocket(url, protocols, { headers, maxPayload: options.maxPayloadBytes });
    if (interval > 0) watchLiveness(socket, interval);
    return socket as unknown as WebSocketLike;
  };
}

/**
 * Closes `socket` when the server stops answering. A connection that dies without a FIN or RST (a
 * NAT entry or proxy that drops it silently) otherwise looks open for as long as TCP retransmits
 * (~15 min): requests in flight would hang instead of failing with `ChannelClosed`, and a
 * reconnecting client would not reconnect.
 */
function watchLiveness(socket: WebSocket, intervalMs: number): void {
  let heard = true;
  const alive = (): void => {
    heard = true;
  };
  let timer: NodeJS.Timeout | undefined;
  socket.once('open', () => {
    timer = setInterval(() => {
      if (!heard) {
        socket.terminate();
        return;
      }
      heard = false;
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, intervalMs);
    timer.unref();
  });
  socket.on('message', alive);
  socket.on('pong', alive);
  socket.on('ping', alive);
  socket.once('close', () => clearInterval(timer));
}

/** `OrchflowClient.websocket` for Node: connects with `ws`, authenticating by header and `initialize`. */
export async function connectWebSocket(
  url: string,
  options: WebSocketClientOptions = {},
): Promise<OrchflowClient> {
  const createSocket = options.createSocket ?? createNodeWebSocket({ token: options.token });
  return OrchflowClient.fromChannel(await openWebSocketChannel(url, { ...options, createSocket }), options);
}
