// The options, address and stats of `WebSocketServer`, and their defaults: what an embedder configures.
import type { Principal, ServerInfo } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import type { ChannelServerSource } from '../channel-server';
import { DEFAULT_MAX_IN_FLIGHT } from '../limits/in-flight-limit';

/** Default largest accepted frame: 4 MiB (a 1 MiB command survives JSON escaping). */
export const DEFAULT_WS_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** Default connection limit. */
export const DEFAULT_WS_MAX_CONNECTIONS = 256;
/** Default ping interval; a peer that misses one pong is dropped. */
export const DEFAULT_WS_HEARTBEAT_MS = 30_000;
/** Default time a connection has to authenticate with `initialize`: short, it holds a slot. */
export const DEFAULT_WS_AUTH_TIMEOUT_MS = 5_000;
/**
 * Largest frame a socket may send before it authenticated (`initialize` is well under 1 KiB): a
 * socket with no token must not have the server parse megabytes of JSON for it.
 */
export const WS_UNAUTHENTICATED_MAX_FRAME_BYTES = 64 * 1024;
/** Frames a socket may send before it authenticated; past it, it is closed. */
export const WS_UNAUTHENTICATED_MAX_FRAMES = 16;
/** TCP connections the WebSocket listener accepts beyond `maxConnections` (upgrades being refused). */
export const WS_UPGRADE_HEADROOM = 64;
/** How long a connection may take to send its upgrade request's headers. */
export const WS_UPGRADE_HEADERS_TIMEOUT_MS = 10_000;
/** Default bytes queued for a client that does not read before it is dropped: 16 MiB. */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Default requests in flight per connection before Overloaded. */
export const DEFAULT_WS_MAX_IN_FLIGHT = DEFAULT_MAX_IN_FLIGHT;
/** Default time terminals of a dropped connection wait for it to reconnect: 60 s. */
export const DEFAULT_WS_RECONNECT_GRACE_MS = 60_000;

/** Options of {@link WebSocketServer}. */
export interface WebSocketServerOptions extends ChannelServerSource {
  /** Default 127.0.0.1; anything else requires `auth`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Tokens → principals. Without it every connection gets `principal`. */
  auth?: TokenAuthenticator;
  /** The principal of every connection when there is no `auth` (loopback only). */
  principal?: Principal;
  /** Browser origins allowed to connect (`*` for any). Clients sending no Origin are not browsers. */
  allowedOrigins?: readonly string[];
  maxPayloadBytes?: number;
  maxConnections?: number;
  /**
   * Authenticated connections one principal (one token) may hold; its next `initialize` gets
   * Overloaded. Default: half of `maxConnections` when `auth` holds more than one token, so one
   * token cannot lock the others out; else `maxConnections`.
   */
  maxConnectionsPerPrincipal?: number;
  /**
   * Connections that have not authenticated yet (no bearer header, no `initialize` so far) that may
   * be open at once; past it an upgrade without a token gets 503. Default: a quarter of
   * `maxConnections` when `auth` is set — sockets that never authenticate cannot fill the pool, and
   * one token's share (half) plus them leaves room for every other token — else `maxConnections`.
   */
  maxUnauthenticated?: number;
  heartbeatIntervalMs?: number;
  authTimeoutMs?: number;
  maxBufferedBytes?: number;
  maxInFlight?: number;
  /** How long terminals of a dropped connection wait for a client to adopt them; 0 kills at once. */
  reconnectGraceMs?: number;
  /** How long a client that stops reading may hold a terminal paused; then it goes lossy. Default 2 s. */
  maxStallMs?: number;
  /** Accept the `orchflow.v1+binary-output` subprotocol (terminal output as binary frames). Default true. */
  binaryOutput?: boolean;
  serverInfo?: ServerInfo;
  /**
   * Hears protocol problems and internal failures. A client gets an internal failure (code
   * InternalError) only as what failed and an error id (`data.errorId`); this hook gets it in
   * full: an `OrchflowError` whose `data` is an `InternalErrorReport` with the same `errorId`, and
   * what was thrown (with its stack) as `cause`. Log it, so the id leads there.
   */
  onError?: (error: Error) => void;
}

/** Where a started server listens. */
export interface WebSocketServerAddress {
  host: string;
  port: number;
  /** `ws://host:port` */
  url: string;
}

/** What a {@link WebSocketServer} holds right now. */
export interface WebSocketServerStats {
  /** Open connections, authenticated or not (each holds its output subscriptions). */
  connections: number;
  /** Connections still waiting for their `initialize`. */
  unauthenticated: number;
  /** Upgrades accepted but not yet open. */
  upgrading: number;
  /** Terminals held by open connections. */
  heldTerminals: number;
  /** Terminals of dropped connections waiting for a client to return. */
  orphanedTerminals: number;
}
