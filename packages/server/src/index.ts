// @orchflow/server — orchflow's servers and CLI.

// Auth, logging, stdio and Unix socket servers.
export {
  assertSafeBind,
  connectionAuth,
  DEFAULT_HOST,
  GENERATED_TOKEN_BYTES,
  generateToken,
  isLoopbackHost,
  LOCAL_DEFAULT_PRINCIPAL,
  loadTokensFile,
  MIN_TOKEN_LENGTH,
  parseTokenConfig,
  TokenAuthenticator,
  type TokenConfig,
  TokenConfigSchema,
  type TokenEntry,
  TokenEntrySchema,
  TokenPolicySchema,
} from './auth';
export { httpStatus } from './http/http-errors';
// WebSocket and HTTP (JSON-RPC sessions, REST + SSE) servers.
export {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_MAX_CONCURRENT,
  DEFAULT_HTTP_REPLAY_BUFFER_BYTES,
  DEFAULT_HTTP_SESSION_TTL_MS,
  HttpServer,
  type HttpServerAddress,
  type HttpServerOptions,
  type HttpServerStats,
} from './http/http-server';
export { HTTP_SESSION_HEADER } from './http/http-sessions';
export { SSE_KEEPALIVE_MS } from './http/sse-writer';
export { createLogger, type Logger, type LoggerOptions, loggedChannel, silentLogger } from './logger';
export {
  type ByteStreamServerOptions,
  StdioServer,
  type StdioServerInfo,
  type StdioServerOptions,
} from './stdio';
export {
  DEFAULT_MAX_UNIX_CONNECTIONS,
  UnixSocketServer,
  type UnixSocketServerInfo,
  type UnixSocketServerOptions,
  type UnixSocketServerStats,
} from './unix';
export {
  DEFAULT_WS_AUTH_TIMEOUT_MS,
  DEFAULT_WS_HEARTBEAT_MS,
  DEFAULT_WS_MAX_BUFFERED_BYTES,
  DEFAULT_WS_MAX_CONNECTIONS,
  DEFAULT_WS_MAX_IN_FLIGHT,
  DEFAULT_WS_MAX_PAYLOAD_BYTES,
  DEFAULT_WS_RECONNECT_GRACE_MS,
  WebSocketServer,
  type WebSocketServerAddress,
  type WebSocketServerOptions,
  type WebSocketServerStats,
} from './ws/ws-server';
