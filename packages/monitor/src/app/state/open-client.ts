// Opens the page's orchflow connection: @orchflow/client's browser entry over the WebSocket at
// /ui/ws (the session cookie authenticates it, so `initialize` carries no token), reconnecting
// with backoff and resuming every output stream, with notifications tapped for the page.
import { OrchflowClient, openWebSocketChannel } from '@orchflow/client';
import { type NotificationListener, tapNotifications } from '../lib/notification-tap';

/** What the page hears from its connection besides the client's own results. */
export interface ConnectionEvents {
  onNotification: NotificationListener;
  /** The connection dropped; the client is trying to get it back. */
  onReconnecting: () => void;
  /** The client is connected again (streams resumed). */
  onReconnected: () => void;
}

/** Connects to `url` (ws: or wss:) and performs the handshake. */
export async function openClient(url: string, events: ConnectionEvents): Promise<OrchflowClient> {
  const channel = await openWebSocketChannel(url, {
    reconnect: { onReconnecting: events.onReconnecting, onReconnected: events.onReconnected },
  });
  return OrchflowClient.fromChannel(tapNotifications(channel, events.onNotification), {
    clientInfo: { name: '@orchflow/monitor' },
  });
}
