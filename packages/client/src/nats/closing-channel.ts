// A channel that releases what was opened for it (a NATS connection, a node directory) once it
// closes: the client's `close()` then leaves nothing of the transport behind.
import type { IpcChannel, JsonRpcMessage } from '@orchflow/protocol/runtime';

/** `channel`, then `cleanup` once it is closed (run once; its failure is not the caller's). */
export function closingWith(channel: IpcChannel, cleanup: () => Promise<void>): IpcChannel {
  let cleaned: Promise<void> | undefined;
  return {
    get closed() {
      return channel.closed;
    },
    send: (message: JsonRpcMessage) => channel.send(message),
    receive: () => channel.receive(),
    async close() {
      await channel.close();
      cleaned ??= cleanup().catch(() => undefined);
      await cleaned;
    },
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}
