// @orchflow/server — orchflow's servers and CLI. Only what an embedder configures is exported;
// bind checks, per-connection auth plumbing and HTTP status mapping stay inside the package.

/** The header that names an HTTP session (the protocol's; re-exported where it was first published). */
export { HTTP_SESSION_HEADER } from '@orchflow/protocol';
// Auth, logging, stdio and Unix socket servers.
export {
  DEFAULT_HOST,
  generateToken,
  MIN_TOKEN_LENGTH,
  parseTokenConfig,
  TokenAuthenticator,
  type TokenConfig,
  TokenConfigSchema,
  type TokenEntry,
  TokenEntrySchema,
  TokenPolicySchema,
} from './auth';
// What the transport servers serve: an orchestrator (`orchestrator`) or a ChannelServer (`channels`).
export {
  type ChannelServeOptions,
  type ChannelServer,
  type ChannelServerSource,
  localChannels,
} from './channel-server';
export type { HttpMetricsOptions, HttpMetricsSetting, MetricsRegistry } from './http/http-metrics';
export { HttpServer } from './http/http-server';
// WebSocket and HTTP (JSON-RPC sessions, REST + SSE) servers.
export {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_MAX_CONCURRENT,
  DEFAULT_HTTP_MAX_CONNECTIONS,
  DEFAULT_HTTP_MAX_STREAMS,
  DEFAULT_HTTP_REPLAY_BUFFER_BYTES,
  DEFAULT_HTTP_SESSION_TTL_MS,
  type HttpServerAddress,
  type HttpServerOptions,
  type HttpServerStats,
  type HttpUiOptions,
  type LoginCode,
  type LoginCodeOptions,
} from './http/http-server-options';
export { createLogger, type Logger, type LoggerOptions, silentLogger } from './logger';
export {
  cliPath,
  type SidecarCommandLine,
  type SidecarCommandOptions,
  sidecarCommand,
} from './sidecar';
export {
  type ByteStreamServerOptions,
  StdioServer,
  type StdioServerInfo,
  type StdioServerOptions,
} from './stdio';
// The web monitor's hosting (HttpServer's `ui` option).
export { DEFAULT_LOGIN_MAX_FAILURES } from './ui/login-limiter';
export { MONITOR_CSP } from './ui/page-headers';
export { SESSION_COOKIE } from './ui/ui-request';
export {
  DEFAULT_LOGIN_CODE_TTL_MS,
  DEFAULT_UI_MAX_SESSIONS,
  DEFAULT_UI_SESSION_IDLE_MS,
  DEFAULT_UI_SESSION_LIFETIME_MS,
} from './ui/ui-sessions';
export {
  DEFAULT_MAX_UNIX_CONNECTIONS,
  UnixSocketServer,
  type UnixSocketServerInfo,
  type UnixSocketServerOptions,
  type UnixSocketServerStats,
} from './unix';
export { WebSocketServer } from './ws/ws-server';
export {
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
} from './ws/ws-server-options';
