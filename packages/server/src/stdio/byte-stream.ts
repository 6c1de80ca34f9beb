// Serving one byte-stream connection (a stdio pair or a Unix socket): Content-Length framing,
// backpressure (the shared in-flight cap; no reading while replies cannot be written),
// per-connection logging with request ids, and `serveChannel` with the server's auth. Shared by
// `StdioServer` and `UnixSocketServer`, which differ only in where the streams come from.
import type { Duplex } from 'node:stream';
import type { ServedChannel } from '@orchflow/core';
import { ContentLengthCodec, type Principal, type ServerInfo } from '@orchflow/protocol';
import { StreamChannel, type StreamPair } from '@orchflow/protocol/node';
import { connectionAuth, LOCAL_DEFAULT_PRINCIPAL } from '../auth/connection-auth';
import type { TokenAuthenticator } from '../auth/token-authenticator';
import { type ChannelServerSource, channelServerOf } from '../channel-server';
import { logInternalErrors } from '../internal-error-log';
import { BackpressureChannel } from '../limits/backpressure-channel';
import { DEFAULT_MAX_IN_FLIGHT } from '../limits/in-flight-limit';
import { type Logger, loggedChannel, nextConnectionLabel, silentLogger } from '../logger';

/** Received messages a byte-stream connection queues before it stops reading from the socket. */
const SERVER_MAX_BUFFERED_MESSAGES = 64;

/** Options shared by the byte-stream servers. */
export interface ByteStreamServerOptions extends ChannelServerSource {
  /** Token auth. With no tokens, every connection gets `principal`. */
  auth?: TokenAuthenticator;
  /**
   * Principal of connections when no tokens are configured. Default: an admin named `local` —
   * right only because these transports are local (the parent process, a 0600 socket).
   */
  principal?: Principal;
  /** Structured logs (requests at debug, connections at info). Default: silent. */
  logger?: Logger;
  /** Largest frame accepted; a larger one closes the connection. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Kill a connection's terminals when it closes. Default true. */
  killTerminalsOnClose?: boolean;
  /** Reported as `serverInfo` in `initialize`. */
  serverInfo?: ServerInfo;
  /** How long a client that stops reading may hold a terminal paused; then it goes lossy. Default 2 s. */
  maxStallMs?: number;
  /** Requests answered concurrently per connection before further ones get Overloaded. Default 256. */
  maxInFlight?: number;
}

/** One served byte-stream connection. */
export interface ByteStreamConnection {
  /** The `serveChannel` serving it. */
  readonly served: ServedChannel;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /** Replies waiting for the stream to accept more; while there are any, nothing is read. */
  readonly blockedSends: number;
}

/** Serves `options.orchestrator` (or `options.channels`) on one byte stream until either side closes it. */
export function serveByteStream(
  stream: Duplex | StreamPair,
  options: ByteStreamServerOptions,
  transport: string,
): ByteStreamConnection {
  const log = (options.logger ?? silentLogger()).child({ conn: nextConnectionLabel(), transport });
  const channel = new StreamChannel(stream, {
    codec: new ContentLengthCodec({ maxFrameBytes: options.maxFrameBytes }),
    // Decoded requests waiting while replies are blocked: a small queue, so a client that does not
    // read is stopped after a few messages rather than after a thousand.
    maxBufferedMessages: SERVER_MAX_BUFFERED_MESSAGES,
    onError: (error) => log.warn({ err: error.message }, 'connection closed on a stream error'),
  });
  const limited = new BackpressureChannel(loggedChannel(channel, log), {
    maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
  });
  const served = channelServerOf(options, `the ${transport} server`).serve(limited, {
    ...connectionAuth(options.auth, options.principal ?? LOCAL_DEFAULT_PRINCIPAL),
    killTerminalsOnClose: options.killTerminalsOnClose,
    serverInfo: options.serverInfo,
    transports: [transport],
    maxStallMs: options.maxStallMs,
    // A stdio client is the sidecar's own parent on this host: it may see an internal failure
    // in full. A Unix socket's client may be another user's process: what failed and an id only.
    internalErrorDetail: transport === 'stdio' ? 'full' : 'redacted',
    onError: logInternalErrors(
      (fields, message) => log.error(fields, message),
      (error) => log.debug({ err: error.message }, 'protocol error answered'),
    ),
  });
  log.info('connection opened');
  void served.closed.then(() => log.info('connection closed'));
  return {
    served,
    get inFlight() {
      return limited.inFlight;
    },
    get blockedSends() {
      return limited.blockedSends;
    },
  };
}
