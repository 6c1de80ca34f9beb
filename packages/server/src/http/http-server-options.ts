// The options, address and stats of `HttpServer`, and their defaults: what an embedder configures.
import type { McpNodeHandler } from '@orchflow/mcp';
import type { Principal, ServerInfo } from '@orchflow/protocol';
import type { TokenAuthenticator } from '../auth';
import type { ChannelServerSource } from '../channel-server';
import { DEFAULT_WS_RECONNECT_GRACE_MS } from '../ws/ws-server-options';
import type { HttpMetricsSetting } from './http-metrics';

/** Default largest request body: 4 MiB. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default requests handled at once (open SSE streams not counted: see `maxStreams`) before 429. */
export const DEFAULT_HTTP_MAX_CONCURRENT = 512;
/** Default open SSE streams (session streams and REST `/stream`s together) before 429. */
export const DEFAULT_HTTP_MAX_STREAMS = 256;
/** Default of {@link HttpServerOptions.maxConnections}: the request and stream pools, the monitor's sockets, headroom. */
export const DEFAULT_HTTP_MAX_CONNECTIONS = 1024;
/** How long a connection may take to send a request's headers (Node's default is 60 s). */
export const HTTP_HEADERS_TIMEOUT_MS = 20_000;
/** Default idle time (no request, no open stream) after which a session ends: 60 s, the WebSocket grace. */
export const DEFAULT_HTTP_SESSION_TTL_MS = DEFAULT_WS_RECONNECT_GRACE_MS;
/** Default bytes of already written session events kept for `Last-Event-ID` resume: 4 MiB. */
export const DEFAULT_HTTP_REPLAY_BUFFER_BYTES = 4 * 1024 * 1024;

/** Options of {@link HttpServer}. */
export interface HttpServerOptions extends ChannelServerSource {
  /** Default 127.0.0.1; anything else requires `auth`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Tokens → principals. Without it every request gets `principal`. */
  auth?: TokenAuthenticator;
  /** The principal of every request when there is no `auth` (loopback only). */
  principal?: Principal;
  /**
   * Browser origins allowed to call (`*` for any); they get CORS answers (preflight included).
   * Default none: requests with an Origin get 403.
   */
  allowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  /**
   * Time a request's body has to arrive, from its head, before it is answered `408` and its
   * connection closed (Node's `requestTimeout`, which the server turns off). Default 300 s. A
   * session's accepted message stream (`POST /v1/rpc/stream`) is exempt: its body lasts as long as
   * the session uses it.
   */
  requestBodyTimeoutMs?: number;
  /**
   * Requests handled at once before new ones get 429 `Overloaded`. Open SSE streams do not count:
   * streams held open cannot block a command, its cancellation or a health check. Default 512.
   */
  maxConcurrentRequests?: number;
  /**
   * Requests one principal (one token) may have in progress at once. Default: half of
   * `maxConcurrentRequests` when `auth` holds more than one token, so one token holding requests
   * open (slow bodies, long commands) cannot lock the others out; else `maxConcurrentRequests`.
   */
  maxConcurrentRequestsPerPrincipal?: number;
  /** Open SSE streams (session and REST) before new ones get 429 `Overloaded`. Default 256. */
  maxStreams?: number;
  /**
   * TCP connections open at once (idle kept-alive ones and the monitor's WebSockets included);
   * past it a new one is closed as it arrives, so connections that send nothing cannot take the
   * file descriptors terminals need. Default 1024.
   */
  maxConnections?: number;
  /**
   * Open SSE streams one principal (one token) may hold. Default: half of `maxStreams` when `auth`
   * holds more than one token, so one token cannot lock the others out; else `maxStreams`.
   */
  maxStreamsPerPrincipal?: number;
  /** How long an SSE reader that stops reading may hold a terminal paused; then it goes lossy. Default 2 s. */
  maxStallMs?: number;
  /** Open JSON-RPC sessions before new ones get Overloaded. Default 256 (as WebSocket connections). */
  maxSessions?: number;
  /**
   * Open JSON-RPC sessions one principal (one token) may hold. Default: half of `maxSessions` when
   * `auth` holds more than one token; else `maxSessions`.
   */
  maxSessionsPerPrincipal?: number;
  /**
   * Idle time after which a session that sent nothing and held no stream ends as a vanished client
   * (its terminals wait `reconnectGraceMs`, then are killed). Default 60 s.
   */
  sessionTtlMs?: number;
  /** How long terminals of an ended (not DELETEd) session wait for a client to adopt them; 0 kills at once. Default 60 s. */
  reconnectGraceMs?: number;
  /** Requests in flight per session before Overloaded. Default 256 (as WebSocket). */
  maxInFlight?: number;
  /** Bytes of events waiting for a session's stream before the session is dropped. Default 16 MiB (as WebSocket). */
  maxBufferedBytes?: number;
  /**
   * Bytes of written events each session keeps for `Last-Event-ID` resume. Default 4 MiB. Large
   * output events sit in reused 96 KiB buffers, so the memory held is up to twice this (about 1.5×
   * for streamed output).
   */
  replayBufferBytes?: number;
  serverInfo?: ServerInfo;
  /**
   * Serves MCP over Streamable HTTP at `/mcp` (from `@orchflow/mcp`'s `createMcpHttpHandler`),
   * behind the same token auth and Origin gate as every other route.
   */
  mcp?: McpNodeHandler;
  /**
   * Serves the web monitor under `/ui` (`true`: the build of `@orchflow/monitor`): its page, the
   * cookie login (`/ui/login`, `/ui/logout`, `/ui/session`) and its WebSocket at `/ui/ws`.
   */
  ui?: boolean | HttpUiOptions;
  /**
   * Serves the Prometheus scrape at `GET /metrics`: `true` (the orchestrator's MetricsPlugin, or one
   * attached now), a prom-client `Registry` of yours, or options (registry, a metrics `token`,
   * `allowLoopback`). Loopback peers scrape without a token; others need an admin or the metrics token.
   */
  metrics?: HttpMetricsSetting;
  /**
   * Hears protocol problems and internal failures. A client gets an internal failure (code
   * InternalError, HTTP 500) only as what failed and an error id (`data.errorId`); this hook gets
   * it in full: an `OrchflowError` whose `data` is an `InternalErrorReport` with the same
   * `errorId`, and what was thrown (with its stack) as `cause`. Log it, so the id leads there.
   */
  onError?: (error: Error) => void;
}

/** Options of the web monitor an {@link HttpServer} serves under `/ui`. */
export interface HttpUiOptions {
  /** The built monitor: a directory with `index.html` and `assets/`. Default: `monitorAssetsDir()` of `@orchflow/monitor`. */
  assetsDir?: string;
  /** Open monitor sessions; a login past it ends the least recently used one. Default 64. */
  maxSessions?: number;
  /**
   * Monitor sessions one principal (one token) may hold; its login past it ends its own least
   * recently used session, so one token cannot lock the others out. Default: half of
   * `maxSessions` (rounded up) when `auth` holds more than one token; else `maxSessions`.
   */
  maxSessionsPerPrincipal?: number;
  /** Idle time (no request, no open WebSocket) after which a monitor session ends. Default 30 min. */
  sessionIdleMs?: number;
  /**
   * Longest life of a monitor session, from its login, however active it is: then its requests get
   * 401 and its open WebSockets close (1008, `session lifetime over: log in again`), and the page
   * asks for a login again. At most 2^31 − 1 ms (about 24.8 days). Default 12 h.
   */
  sessionLifetimeMs?: number;
  /** Failed logins per remote address per minute before 429. Default 10. */
  maxLoginFailures?: number;
  /**
   * Marks the session cookie `Secure` on every answer: set it when people reach the monitor over
   * HTTPS through a TLS-terminating proxy (`HttpServer` itself speaks plain HTTP). An explicit
   * option rather than trusting `X-Forwarded-Proto`, which any client can send. Browsers then keep
   * the cookie only from `https://` pages (and `http://localhost`). Default false: `Secure` only
   * for a request that arrived over TLS.
   */
  secureCookie?: boolean;
  /**
   * Judges login tokens that `auth` only stands in for, resolving with the principal `/ui/session`
   * shows; rejecting with Unauthorized fails the login. A cluster gateway asks its nodes
   * (`gatewayLoginVerifier`). Default: `auth` decides alone.
   */
  verifyLogin?: (token: string) => Promise<Principal>;
}

/** Options of {@link HttpServer.createLoginCode}. */
export interface LoginCodeOptions {
  /** Who the code logs in as. Default: the first admin token's principal (the server's `principal` without tokens). */
  principal?: Principal;
  /** How long the code works. Default 10 minutes. */
  ttlMs?: number;
}

/** A one-time login code for the monitor. */
export interface LoginCode {
  /** POST it as `{ code }` to `/ui/login`; it works once. */
  code: string;
  expiresAt: Date;
  /** `http://host:port/ui/#code=…` (the code in the fragment, which never reaches a server log); once started. */
  url?: string;
}

/** Where a started server listens. */
export interface HttpServerAddress {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  /** `http://host:port/ui/` when the monitor is served. */
  ui?: string;
}

/** What a {@link HttpServer} holds right now. */
export interface HttpServerStats {
  /** Requests being handled, open SSE streams included. */
  activeRequests: number;
  /** Open SSE streams: per-terminal output streams and session streams. */
  streams: number;
  /** Open message streams (`POST /v1/rpc/stream`): at most one per session. */
  messageStreams: number;
  /** Open JSON-RPC sessions. */
  sessions: number;
  /** Terminals of ended sessions waiting for a client to adopt them. */
  orphanedTerminals: number;
  /** Logged-in monitor sessions (when the monitor is served). */
  monitorSessions?: number;
  /** Open monitor WebSocket connections (when the monitor is served). */
  monitorConnections?: number;
}
