// `WebSocketServer`: serves an Orchestrator to WebSocket clients, one `serveChannel` per
// connection. Upgrades are checked first (origin allowlist, connection limit, optional bearer
// header); browsers, which cannot set headers, authenticate with the token in `initialize`, and a
// connection that fails it or does not send it within `authTimeoutMs` is closed. Upgrades in
// progress and unauthenticated connections count toward the connection limit. Ping/pong drops
// dead peers; terminals of a dropped connection wait `reconnectGraceMs` for the client to return,
// their commands still running, while a client that ends cleanly (`$/shutdown`) releases them.
// A client that stops reading holds a terminal back for at most `maxStallMs` (slow-consumer rule).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServedChannel } from '@orchflow/core';
import { ErrorCode, type InitializeParams, OrchflowError, type Principal } from '@orchflow/protocol';
import { type WebSocket, WebSocketServer as WsServer } from 'ws';
import { assertSafeBind, connectionAuth, DEFAULT_HOST } from '../auth';
import { type ChannelServer, channelServerOf } from '../channel-server';
import { checkLimits } from '../limits/option-limits';
import { defaultShare, PrincipalSlots } from '../limits/principal-slots';
import { selectProtocol, WS_BINARY_OUTPUT_PROTOCOL } from './binary-output';
import { type ConnectionLeases, TerminalLeases } from './terminal-leases';
import { checkConnectionLimit, checkUpgrade, refuseUpgrade } from './upgrade';
import { WebSocketChannel, WS_CLOSE_POLICY } from './ws-channel';
import {
  DEFAULT_WS_AUTH_TIMEOUT_MS,
  DEFAULT_WS_HEARTBEAT_MS,
  DEFAULT_WS_MAX_BUFFERED_BYTES,
  DEFAULT_WS_MAX_CONNECTIONS,
  DEFAULT_WS_MAX_IN_FLIGHT,
  DEFAULT_WS_MAX_PAYLOAD_BYTES,
  DEFAULT_WS_RECONNECT_GRACE_MS,
  type WebSocketServerAddress,
  type WebSocketServerOptions,
  type WebSocketServerStats,
  WS_UNAUTHENTICATED_MAX_FRAME_BYTES,
  WS_UNAUTHENTICATED_MAX_FRAMES,
  WS_UPGRADE_HEADERS_TIMEOUT_MS,
  WS_UPGRADE_HEADROOM,
} from './ws-server-options';

interface Client {
  socket: WebSocket;
  channel: WebSocketChannel;
  served: ServedChannel;
  leases: ConnectionLeases;
  alive: boolean;
  /** Known from the upgrade (bearer header, monitor cookie), before any `initialize`. */
  headerPrincipal: Principal | undefined;
}

/** JSON-RPC over WebSocket (text frames; binary `terminal.output` when negotiated) for an Orchestrator. */
export class WebSocketServer {
  private readonly http: Server;
  private readonly wss: WsServer;
  private readonly clients = new Set<Client>();
  private readonly leases: TerminalLeases;
  private readonly host: string;
  private readonly channels: ChannelServer;
  private upgrading = 0;
  /** Upgrades in progress with no principal yet. */
  private upgradingAnonymous = 0;
  private readonly connectionShares: PrincipalSlots;
  /** Connections (and upgrades) without a principal yet that may be open at once. */
  private readonly anonymousLimit: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: WebSocketServerOptions) {
    this.host = options.host ?? DEFAULT_HOST;
    assertSafeBind(this.host, (options.auth?.size ?? 0) > 0);
    // Fails at construction, not at the first connection, when nobody could be admitted.
    connectionAuth(options.auth, options.principal);
    checkLimits(
      'WebSocketServer',
      options,
      [
        'maxPayloadBytes',
        'maxConnections',
        'maxConnectionsPerPrincipal',
        'maxUnauthenticated',
        'heartbeatIntervalMs',
        'authTimeoutMs',
        'maxBufferedBytes',
        'maxInFlight',
      ],
      ['reconnectGraceMs', 'maxStallMs'],
    );
    this.channels = channelServerOf(options, 'WebSocketServer');
    this.connectionShares = new PrincipalSlots(
      options.maxConnectionsPerPrincipal ??
        defaultShare(options.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS, options.auth),
      'WebSocket connections',
    );
    const maxConnections = options.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS;
    this.anonymousLimit =
      options.maxUnauthenticated ??
      ((options.auth?.size ?? 0) > 0 ? Math.max(1, Math.ceil(maxConnections / 4)) : maxConnections);
    this.leases = new TerminalLeases(
      this.channels,
      options.reconnectGraceMs ?? DEFAULT_WS_RECONNECT_GRACE_MS,
    );
    this.wss = new WsServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes ?? DEFAULT_WS_MAX_PAYLOAD_BYTES,
      // Without this `ws` accepts whatever subprotocol a client offers first.
      handleProtocols: (offered) => selectProtocol(offered, options.binaryOutput !== false),
      // `ws`'s default, made explicit: output frames come from a pool (frame-pool.ts) whose reuse
      // was checked against the uncompressed send path, where a frame goes to the socket as is.
      perMessageDeflate: false,
    });
    this.http = createServer({ headersTimeout: WS_UPGRADE_HEADERS_TIMEOUT_MS }, (_request, response) => {
      response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      response.end('This is an orchflow WebSocket endpoint; connect with a WebSocket client\n');
    });
    // TCP connections, upgraded or not: past it Node closes new ones at once, so sockets that never
    // upgrade cannot run the process out of file descriptors. Upgrades beyond `maxConnections`
    // are refused with 503 before this.
    this.http.maxConnections = maxConnections + WS_UPGRADE_HEADROOM;
    this.http.on('upgrade', (request, socket, head) => this.onUpgrade(request, socket, head));
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.clients.size;
  }

  /** Number of terminals of dropped connections waiting for a client to return. */
  get orphanedTerminalCount(): number {
    return this.leases.orphanCount;
  }

  /** Counts of what the server holds (all 0 but orphans once every client has gone). */
  stats(): WebSocketServerStats {
    let unauthenticated = 0;
    let heldTerminals = 0;
    for (const client of this.clients) {
      if (client.served.principal === undefined) unauthenticated++;
      heldTerminals += client.leases.size;
    }
    return {
      connections: this.clients.size,
      unauthenticated,
      upgrading: this.upgrading,
      heldTerminals,
      orphanedTerminals: this.leases.orphanCount,
    };
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<WebSocketServerAddress> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 0, this.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.startHeartbeat();
    const { port } = this.http.address() as AddressInfo;
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    return { host: this.host, port, url: `ws://${shown}:${port}` };
  }

  /** Stops accepting, closes every connection (its cleanup runs) and kills orphaned terminals. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** `await using server = …` stops it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    const listening = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await Promise.all([...this.clients].map((client) => client.served.close()));
    await this.leases.killOrphans();
    this.wss.close();
    if (this.http.listening) await listening;
  }

  /**
   * Accepts an upgrade that another listener received and already vetted — `HttpServer`'s
   * `/ui/ws`, whose session cookie and Origin it checked. The connection is `principal`'s (its
   * `initialize` needs no token); the connection limit, heartbeats, flow control and terminal
   * leases apply as to this server's own upgrades. Aborting `signal` closes the connection (code
   * 1008, the abort's reason as the close reason when it is a string of at most 123 bytes, else
   * `session ended`).
   * Works whether or not this server listens itself.
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    principal: Principal,
    options: { signal?: AbortSignal } = {},
  ): void {
    socket.on('error', () => socket.destroy());
    if (this.stopping || options.signal?.aborted) {
      socket.destroy();
      return;
    }
    const full = checkConnectionLimit(
      this.clients.size + this.upgrading,
      this.options.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS,
    );
    if (full) {
      refuseUpgrade(socket, full);
      return;
    }
    this.startHeartbeat();
    this.upgrade(request, socket, head, principal, options.signal);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    const interval = this.options.heartbeatIntervalMs ?? DEFAULT_WS_HEARTBEAT_MS;
    this.heartbeat = setInterval(() => this.beat(), interval);
    this.heartbeat.unref();
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const verdict = checkUpgrade(request, {
      allowedOrigins: this.options.allowedOrigins ?? [],
      auth: this.options.auth,
      connections: this.clients.size + this.upgrading,
      maxConnections: this.options.maxConnections ?? DEFAULT_WS_MAX_CONNECTIONS,
    });
    if ('refusal' in verdict) {
      refuseUpgrade(socket, verdict.refusal);
      return;
    }
    this.upgrade(request, socket, head, verdict.principal);
  }

  private upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    principal: Principal | undefined,
    signal?: AbortSignal,
  ): void {
    // A principal known now (bearer header, monitor cookie) takes its share now; a socket that
    // has not authenticated yet counts against the slots such sockets may hold. Either way one
    // party cannot fill the whole pool with sockets that never send `initialize`.
    let share: (() => void) | undefined;
    try {
      if (principal) share = this.connectionShares.take(principal);
      else this.checkAnonymousSlots();
    } catch (error) {
      refuseUpgrade(socket, { status: 503, code: ErrorCode.Overloaded, message: (error as Error).message });
      return;
    }
    // Counted until it is a client (or failed), so concurrent upgrades cannot overshoot the limit.
    this.upgrading++;
    if (!principal) this.upgradingAnonymous++;
    let pending = true;
    const settle = (): void => {
      if (pending) {
        this.upgrading--;
        if (!principal) this.upgradingAnonymous--;
      }
      pending = false;
    };
    const failed = (): void => {
      settle();
      share?.();
    };
    socket.once('close', failed);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      settle();
      socket.off('close', failed);
      this.accept(ws, principal, signal, share);
    });
  }

  /** Throws Overloaded when sockets that have not authenticated hold all the slots they may. */
  private checkAnonymousSlots(): void {
    const limit = this.anonymousLimit;
    let anonymous = this.upgradingAnonymous;
    for (const client of this.clients) {
      if (client.headerPrincipal === undefined && client.served.principal === undefined) anonymous++;
    }
    if (anonymous >= limit) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `The server holds ${limit} connections that have not authenticated yet; send the token in the Authorization header, or retry later`,
      );
    }
  }

  private accept(
    socket: WebSocket,
    headerPrincipal: Principal | undefined,
    signal?: AbortSignal,
    share?: () => void,
  ): void {
    const leases = this.leases.connection();
    const channel = new WebSocketChannel(socket, {
      maxInFlight: this.options.maxInFlight ?? DEFAULT_WS_MAX_IN_FLIGHT,
      maxBufferedBytes: this.options.maxBufferedBytes ?? DEFAULT_WS_MAX_BUFFERED_BYTES,
      observer: leases,
      binaryOutput: socket.protocol === WS_BINARY_OUTPUT_PROTOCOL,
      unauthenticated: headerPrincipal
        ? undefined
        : { maxFrameBytes: WS_UNAUTHENTICATED_MAX_FRAME_BYTES, maxFrames: WS_UNAUTHENTICATED_MAX_FRAMES },
    });
    const authTimer = setTimeout(
      () => channel.closeWith(WS_CLOSE_POLICY, 'no initialize received in time'),
      this.options.authTimeoutMs ?? DEFAULT_WS_AUTH_TIMEOUT_MS,
    );
    authTimer.unref();
    const base = connectionAuth(this.options.auth, this.options.principal);
    let releaseShare = share;
    const authenticate = async (params: InitializeParams): Promise<Principal> => {
      try {
        const principal =
          headerPrincipal ?? (base.authenticate ? await base.authenticate(params) : base.principal);
        if (!principal) throw new Error('no principal configured');
        releaseShare ??= this.connectionShares.take(principal);
        clearTimeout(authTimer);
        leases.bind(principal);
        channel.authenticated();
        return principal;
      } catch (error) {
        // One guess per connection: the refusal goes out, then the socket closes.
        channel.closeAfterNextSend(WS_CLOSE_POLICY, 'authentication failed');
        throw error;
      }
    };
    const served = this.channels.serve(channel, {
      authenticate,
      killTerminalsOnClose: false,
      reconnect: leases.keepsDropped,
      transports: ['websocket'],
      serverInfo: this.options.serverInfo,
      onError: this.options.onError,
      // A remote client: an internal failure tells it only what failed and its error id.
      internalErrorDetail: 'redacted',
      maxStallMs: this.options.maxStallMs,
      // The client's clean end: its terminals go now, before the answer, so quotas are free
      // by the time its `close()` resolves. A socket that closes without it is a drop.
      onShutdown: () => leases.releaseNow(),
    });
    const client: Client = { socket, channel, served, leases, alive: true, headerPrincipal };
    socket.on('pong', () => {
      client.alive = true;
    });
    this.clients.add(client);
    // The session behind the connection ended (logout, its lifetime over): so does the connection,
    // with the reason the session gave when it is a string a close frame can carry.
    const end = (): void => channel.closeWith(WS_CLOSE_POLICY, closeReason(signal?.reason));
    if (signal?.aborted) end();
    signal?.addEventListener('abort', end, { once: true });
    void served.closed.then(() => {
      signal?.removeEventListener('abort', end);
      clearTimeout(authTimer);
      releaseShare?.();
      leases.release();
      this.clients.delete(client);
    });
  }

  private beat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        // Missed a whole interval: the peer is gone without a close frame.
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}

/** A close frame's reason for a session that ended with `reason`: a short string as it is. */
function closeReason(reason: unknown): string {
  // 123 bytes: what a close frame leaves for the reason after its 2-byte code.
  return typeof reason === 'string' && Buffer.byteLength(reason) <= 123 ? reason : 'session ended';
}
