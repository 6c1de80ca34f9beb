// `UnixSocketServer`: orchflow over a Unix domain socket with Content-Length framing. The socket
// file is created with mode 0600 (owner only) so, without tokens, only the same user can connect;
// a stale socket file is replaced, a live one is refused. `stop()` stops accepting, closes every
// connection (killing their terminals) and removes the socket file.
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import {
  type ByteStreamConnection,
  type ByteStreamServerOptions,
  serveByteStream,
} from '../stdio/byte-stream';
import { clearStaleSocket } from './stale-socket';

/** Default cap on simultaneous connections. */
export const DEFAULT_MAX_UNIX_CONNECTIONS = 256;

/** Options of {@link UnixSocketServer}. */
export interface UnixSocketServerOptions extends ByteStreamServerOptions {
  /** Path of the socket file. */
  path: string;
  /** Connections beyond this are closed at once. Default {@link DEFAULT_MAX_UNIX_CONNECTIONS}. */
  maxConnections?: number;
}

/** What {@link UnixSocketServer.start} reports. */
export interface UnixSocketServerInfo {
  transport: 'unix';
  /** The socket file. */
  path: string;
}

/** What a {@link UnixSocketServer} holds right now (all 0 once every client has gone). */
export interface UnixSocketServerStats {
  /** Open connections. */
  connections: number;
  /** Requests received and not yet answered, over all connections (each capped at `maxInFlight`). */
  requestsInFlight: number;
  /** Bytes held in the connections' socket buffers: replies not yet written, requests not yet read. */
  bufferedBytes: number;
  /** Connections not read from because their replies wait for the client to read (backpressure). */
  blockedConnections: number;
}

/** Serves an orchestrator on a Unix domain socket. */
export class UnixSocketServer implements AsyncDisposable {
  private server: Server | undefined;
  private readonly connections = new Map<Socket, ByteStreamConnection>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: UnixSocketServerOptions) {}

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Counts of what the server holds for its clients. */
  stats(): UnixSocketServerStats {
    let requestsInFlight = 0;
    let bufferedBytes = 0;
    let blockedConnections = 0;
    for (const [socket, connection] of this.connections) {
      requestsInFlight += connection.inFlight;
      bufferedBytes += socket.writableLength + socket.readableLength;
      if (connection.blockedSends > 0) blockedConnections++;
    }
    return { connections: this.connections.size, requestsInFlight, bufferedBytes, blockedConnections };
  }

  /** Listens on the socket path; resolves once connections are accepted. */
  async start(): Promise<UnixSocketServerInfo> {
    if (this.server) {
      throw new OrchflowError(ErrorCode.InvalidState, 'UnixSocketServer is already started; start it once');
    }
    const { path } = this.options;
    await clearStaleSocket(path);
    const server = createServer({ pauseOnConnect: false }, (socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_UNIX_CONNECTIONS;
    this.server = server;
    await listenPrivately(server, path);
    return { transport: 'unix', path };
  }

  /** Stops accepting, closes every connection (killing its terminals), removes the socket file. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** `await using` support: stops the server. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection = serveByteStream(socket, this.options, 'unix');
    this.connections.set(socket, connection);
    void connection.served.closed.then(() => this.connections.delete(socket));
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.connections.values()].map((connection) => connection.served.close()));
    await closed;
    await unlink(this.options.path).catch(() => undefined);
  }
}

/** Listens with a 0177 umask so the socket is 0600 from its first instant, then chmods to be sure. */
async function listenPrivately(server: Server, path: string): Promise<void> {
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let previous: number | undefined;
  try {
    // Worker threads cannot change the umask; the chmod below still applies there.
    previous = process.umask(0o177);
  } catch {}
  try {
    // The bind happens synchronously inside listen(), so the umask covers it.
    server.listen(path);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  await listening;
  await chmod(path, 0o600);
}
