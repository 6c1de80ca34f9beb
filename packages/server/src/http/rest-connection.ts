// The REST handlers' way into core: one in-process connection per request, a `DirectChannel` pair
// with `serveChannel` on one end (the dispatcher, param validation, principal scoping and token
// policy of every other transport) and an `RpcPeer` on the other (request matching, result
// validation, cancellation). Nothing here answers a request itself. An SSE stream's notifications
// are handed to a sink whose promise the server end's `send` returns, so a slow HTTP reader holds
// the terminal back through core's subscription flow control instead of being buffered here.
import type { ServedChannel } from '@orchflow/core';
import {
  ChannelClosedError,
  DirectChannel,
  type InitializeResult,
  type IpcChannel,
  type JsonRpcMessage,
  Methods,
  PROTOCOL_VERSION,
  type Principal,
  RpcPeer,
  type ServerInfo,
} from '@orchflow/protocol';

import type { ChannelServer } from '../channel-server';

/** Receives the server's notifications; the returned promise is the backpressure. */
export type NotificationSink = (method: string, params: Record<string, unknown>) => Promise<void>;

/** Options of {@link openRestConnection}. */
export interface RestConnectionOptions {
  /** Where notifications go (an SSE stream); without it they are dropped. */
  sink?: NotificationSink;
  serverInfo?: ServerInfo;
  /** Slow-consumer rule of the connection's subscriptions. */
  maxStallMs?: number;
  /** Hears the connection's internal failures (with their error ids; see `serveChannel`). */
  onError?: (error: Error) => void;
}

/** A one-principal in-process connection to an orchestrator (or a gateway's cluster). */
export interface RestConnection {
  /** The client end: `peer.request(method, params, { signal })`. */
  readonly peer: RpcPeer<typeof Methods>;
  /** The `initialize` result: the principal and the server's capabilities. */
  readonly session: InitializeResult;
  /** Ends the connection; resolves once core disposed its subscriptions. */
  close(): Promise<void>;
}

/** Serves a new connection for `principal` and performs `initialize`. */
export async function openRestConnection(
  channels: ChannelServer,
  principal: Principal,
  options: RestConnectionOptions = {},
): Promise<RestConnection> {
  const [clientEnd, serverEnd] = DirectChannel.pair();
  const served: ServedChannel = channels.serve(
    options.sink ? notificationsTo(serverEnd, options.sink) : serverEnd,
    {
      principal,
      // REST terminals live until DELETE; a request ending says nothing about them.
      killTerminalsOnClose: false,
      keepTerminals: true,
      transports: ['http'],
      serverInfo: options.serverInfo,
      maxStallMs: options.maxStallMs,
      onError: options.onError,
      // A remote client: an internal failure tells it only what failed and its error id.
      internalErrorDetail: 'redacted',
    },
  );
  // No client-side timeout: a REST execute is bounded by its own `timeoutMs`, as over JSON-RPC.
  const peer = new RpcPeer(clientEnd, { methods: Methods, defaultTimeoutMs: 0 }).start();
  const close = async (): Promise<void> => {
    await peer.close();
    await served.closed;
  };
  try {
    const session = await peer.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      clientInfo: { name: 'orchflow-rest' },
    });
    return { peer, session, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The server end with its notifications diverted to `sink` (awaited: that is the backpressure). */
function notificationsTo(channel: DirectChannel, sink: NotificationSink): IpcChannel {
  return {
    get closed() {
      return channel.closed;
    },
    async send(message: JsonRpcMessage): Promise<void> {
      if (channel.closed) throw new ChannelClosedError();
      const items = Array.isArray(message) ? message : [message];
      const rest = items.filter((item) => !('method' in item));
      for (const item of items) {
        if ('method' in item) await sink(item.method, (item.params ?? {}) as Record<string, unknown>);
      }
      if (rest.length > 0) await channel.send((Array.isArray(message) ? rest : rest[0]) as JsonRpcMessage);
    },
    receive: () => channel.receive(),
    close: () => channel.close(),
    [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator](),
  };
}
