// `OrchflowClient.unixSocket(path)`: connects to a `UnixSocketServer` (orchflow serve --unix)
// and speaks Content-Length framed JSON-RPC over the socket.
import { connect } from 'node:net';
import { ChannelClosedError, ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { OrchflowClient, type OrchflowClientOptions } from '../client';

/** Default of {@link UnixSocketClientOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Options of {@link connectUnixSocket}. */
export interface UnixSocketClientOptions extends OrchflowClientOptions {
  /** Give up connecting after this long. Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Largest frame sent or accepted. Default 16 MiB. */
  maxFrameBytes?: number;
}

/** Opens a framed channel to the Unix socket at `path`. */
export function unixSocketChannel(
  path: string,
  options: Pick<UnixSocketClientOptions, 'connectTimeoutMs' | 'maxFrameBytes'> = {},
): Promise<StreamChannel> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ChannelClosedError(`Timed out connecting to the orchflow socket '${path}'; is the server busy?`),
      );
    }, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint =
        error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
          ? `no orchflow server is listening there; start one with \`orchflow serve --unix ${path}\``
          : error.code === 'EACCES'
            ? 'the socket belongs to another user (it is created with mode 0600)'
            : error.message;
      reject(new ChannelClosedError(`Cannot connect to '${path}': ${hint}`, { cause: error }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      const codec = new ContentLengthCodec({ maxFrameBytes: options.maxFrameBytes });
      resolve(new StreamChannel(socket, { codec }));
    });
  });
}

/** Connects an {@link OrchflowClient} to the orchflow server on the Unix socket at `path`. */
export async function connectUnixSocket(
  path: string,
  options: UnixSocketClientOptions = {},
): Promise<OrchflowClient> {
  const { connectTimeoutMs, maxFrameBytes, ...clientOptions } = options;
  return OrchflowClient.fromChannel(
    await unixSocketChannel(path, { connectTimeoutMs, maxFrameBytes }),
    clientOptions,
  );
}
