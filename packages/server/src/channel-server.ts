// The one seam between the transport servers (WebSocket, HTTP sessions and REST, stdio, Unix socket)
// and what answers their connections. Normally that is a local Orchestrator (`serveChannel`); an
// `orchflow serve --cluster` gateway plugs in a cluster instead (cluster/gateway.ts), so every
// transport, its auth, limits and framing stay exactly as they are.
import {
  type Orchestrator,
  type ServeChannelOptions,
  type ServedChannel,
  serveChannel,
} from '@orchflow/core';
import { ErrorCode, type IpcChannel, OrchflowError } from '@orchflow/protocol';

/** How a transport asks a {@link ChannelServer} to serve one connection. */
export interface ChannelServeOptions extends ServeChannelOptions {
  /**
   * The connection's terminals outlive it until killed, never orphaned (REST: each request is a
   * connection). Locally `killTerminalsOnClose: false` says it all; a cluster gateway must tell
   * the nodes, whose sessions otherwise keep a closed session's terminals only for their grace.
   */
  keepTerminals?: boolean;
}

/** Serves connections' channels, and frees the terminals of connections that never came back. */
export interface ChannelServer {
  /** Serves one connection's channel (as `serveChannel(orchestrator, channel, options)` does). */
  serve(channel: IpcChannel, options: ChannelServeOptions): ServedChannel;
  /** Kills a terminal whose connection dropped and never returned; resolves whatever happened. */
  kill(terminalId: string): Promise<unknown>;
}

/** The ChannelServer of a local orchestrator. */
export function localChannels(orchestrator: Orchestrator): ChannelServer {
  return {
    serve: (channel, { keepTerminals: _, ...options }) => serveChannel(orchestrator, channel, options),
    kill: (terminalId) => orchestrator.kill(terminalId),
  };
}

/** What a transport server was given: an orchestrator, or a ChannelServer (which wins). */
export interface ChannelServerSource {
  /** The orchestrator to serve (unless `channels` is given). */
  orchestrator?: Orchestrator;
  /** What serves connections instead of `orchestrator` (e.g. a cluster gateway). */
  channels?: ChannelServer;
}

/** The ChannelServer of a transport's options; throws InvalidParams when it has neither. */
export function channelServerOf(source: ChannelServerSource, server: string): ChannelServer {
  if (source.channels) return source.channels;
  if (source.orchestrator) return localChannels(source.orchestrator);
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `${server} needs an 'orchestrator' to serve (or 'channels', a ChannelServer)`,
  );
}
