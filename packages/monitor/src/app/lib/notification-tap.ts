// Lets the page hear notifications that @orchflow/client routes nowhere public (`security.alert`)
// or only through a second subscription per terminal (`terminal.activity`, `terminal.floor`):
// an IpcChannel wrapper that shows each notification to a listener on its way to the client.
// The client still receives every message unchanged; this only observes the protocol.
import type { IpcChannel, JsonRpcMessage } from '@orchflow/protocol/runtime';

/** Receives the method and params of each notification that passes through. */
export type NotificationListener = (method: string, params: unknown) => void;

/** Wraps `channel` so `listener` sees every incoming notification (a listener that throws is ignored). */
export function tapNotifications(channel: IpcChannel, listener: NotificationListener): IpcChannel {
  const observe = (message: JsonRpcMessage): JsonRpcMessage => {
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item === 'object' && item !== null && 'method' in item && !('id' in item)) {
        try {
          listener(item.method, 'params' in item ? item.params : undefined);
        } catch {
          // The page's bookkeeping must never break the connection.
        }
      }
    }
    return message;
  };
  return {
    send: (message) => channel.send(message),
    receive: async () => observe(await channel.receive()),
    close: () => channel.close(),
    get closed() {
      return channel.closed;
    },
    async *[Symbol.asyncIterator]() {
      for await (const message of channel) yield observe(message);
    },
  };
}
