// Opens the page's orchflow connection: @orchflow/client's browser entry over the WebSocket at
// /ui/ws (the session cookie authenticates it, so `initialize` carries no token), reconnecting
// with backoff and resuming every output stream, with notifications tapped for the page. Each
// connection (reconnects too) offers the session's page key as a subprotocol beside the real ones.
import {
  DEFAULT_WS_PING_INTERVAL_MS,
  OrchflowClient,
  openWebSocketChannel,
  type WebSocketFactory,
  type WebSocketLike,
} from '@orchflow/client';
import { type NotificationListener, tapNotifications } from '../lib/notification-tap';
import { pageKeyProtocol } from '../lib/session-api';

/** orchflow's plain JSON subprotocol: offered when the client offers none, so one is always picked. */
const JSON_PROTOCOL = 'orchflow.v1';

/** What the page hears from its connection besides the client's own results. */
export interface ConnectionEvents {
  onNotification: NotificationListener;
  /** The connection dropped; the client is trying to get it back. */
  onReconnecting: () => void;
  /** The client is connected again (streams resumed). */
  onReconnected: () => void;
  /** The session's page key, read at each connect (none: the socket offers none). */
  pageKey: () => string | undefined;
}

/**
 * The browser's WebSocket, offering the page key (read at each connect, so a reconnect after a new
 * login sends the new one) beside the subprotocols the client asks for.
 */
export function keyedSocketFactory(pageKey: () => string | undefined): WebSocketFactory {
  return (url, protocols) => {
    const key = pageKey();
    const offered = key === undefined ? protocols : [...(protocols ?? [JSON_PROTOCOL]), pageKeyProtocol(key)];
    return new WebSocket(url, offered) as unknown as WebSocketLike;
  };
}

/** Connects to `url` (ws: or wss:) and performs the handshake. */
export async function openClient(url: string, events: ConnectionEvents): Promise<OrchflowClient> {
  const channel = await openWebSocketChannel(url, {
    createSocket: keyedSocketFactory(events.pageKey),
    // Given a factory the client assumes a socket that pings itself; a browser's cannot.
    pingIntervalMs: DEFAULT_WS_PING_INTERVAL_MS,
    reconnect: { onReconnecting: events.onReconnecting, onReconnected: events.onReconnected },
  });
  return OrchflowClient.fromChannel(tapNotifications(channel, events.onNotification), {
    clientInfo: { name: '@orchflow/monitor' },
  });
}
