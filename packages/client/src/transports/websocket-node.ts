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
}

/** A socket factory backed by `ws`. */
export function createNodeWebSocket(options: NodeWebSocketOptions = {}): WebSocketFactory {
  const headers = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  return (url, protocols) =>
    new WebSocket(url, protocols, {
      headers,
      maxPayload: options.maxPayloadBytes,
    }) as unknown as WebSocketLike;
}

/** `OrchflowClient.websocket` for Node: connects with `ws`, authenticating by header and `initialize`. */
export async function connectWebSocket(
  url: string,
  options: WebSocketClientOptions = {},
): Promise<OrchflowClient> {
  const createSocket = options.createSocket ?? createNodeWebSocket({ token: options.token });
  return OrchflowClient.fromChannel(await openWebSocketChannel(url, { ...options, createSocket }), options);
}
