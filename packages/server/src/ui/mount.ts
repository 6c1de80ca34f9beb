// Builds the monitor an `HttpServer` serves when its `ui` option is set: the routes under `/ui`
// and the WebSocketServer (not listening itself) that takes the page's `/ui/ws` upgrades with the
// HTTP server's limits. The monitor's build is found through `@orchflow/monitor` only when no
// `assetsDir` is given, and only at start, so a server without the monitor never loads it.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { HttpServerOptions } from '../http/http-server-options';
import { defaultShare } from '../limits/principal-slots';
import { WebSocketServer } from '../ws/ws-server';
import { DEFAULT_LOGIN_MAX_FAILURES } from './login-limiter';
import { MonitorUi } from './monitor-ui';
import {
  DEFAULT_UI_MAX_SESSIONS,
  DEFAULT_UI_SESSION_IDLE_MS,
  DEFAULT_UI_SESSION_LIFETIME_MS,
  MAX_UI_SESSION_LIFETIME_MS,
} from './ui-sessions';

/** The monitor's routes and the WebSocket server behind `/ui/ws`. */
export interface MountedMonitor {
  ui: MonitorUi;
  sockets: WebSocketServer;
}

/** The monitor for `options.ui`, or undefined when it is off. */
export function mountMonitor(options: HttpServerOptions, host: string): MountedMonitor | undefined {
  if (!options.ui) return undefined;
  const ui = options.ui === true ? {} : options.ui;
  for (const key of [
    'maxSessions',
    'maxSessionsPerPrincipal',
    'sessionIdleMs',
    'sessionLifetimeMs',
    'maxLoginFailures',
  ] as const) {
    const value = ui[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new OrchflowError(ErrorCode.InvalidParams, `ui.${key} must be a positive integer (got ${value})`);
    }
  }
  if ((ui.sessionLifetimeMs ?? 0) > MAX_UI_SESSION_LIFETIME_MS) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `ui.sessionLifetimeMs must be at most ${MAX_UI_SESSION_LIFETIME_MS} ms, about 24.8 days (got ${ui.sessionLifetimeMs})`,
    );
  }
  if (ui.secureCookie !== undefined && typeof ui.secureCookie !== 'boolean') {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `ui.secureCookie must be true or false (got ${JSON.stringify(ui.secureCookie)})`,
    );
  }
  const sockets = new WebSocketServer({
    orchestrator: options.orchestrator,
    channels: options.channels,
    host,
    auth: options.auth,
    principal: options.principal,
    maxConnections: options.maxSessions,
    reconnectGraceMs: options.reconnectGraceMs,
    maxInFlight: options.maxInFlight,
    maxBufferedBytes: options.maxBufferedBytes,
    maxStallMs: options.maxStallMs,
    serverInfo: options.serverInfo,
    onError: options.onError,
  });
  const maxSessions = ui.maxSessions ?? DEFAULT_UI_MAX_SESSIONS;
  const monitor = new MonitorUi({
    assetsDir: ui.assetsDir ?? (async () => (await import('@orchflow/monitor')).monitorAssetsDir()),
    auth: options.auth,
    principal: options.principal,
    bindHost: host,
    allowedOrigins: options.allowedOrigins ?? [],
    webSocket: sockets,
    maxSessions,
    // Like the server's other pools: half for each token when there are several, so one token
    // logging in again and again cannot take every session.
    maxSessionsPerPrincipal: ui.maxSessionsPerPrincipal ?? defaultShare(maxSessions, options.auth),
    sessionIdleMs: ui.sessionIdleMs ?? DEFAULT_UI_SESSION_IDLE_MS,
    sessionLifetimeMs: ui.sessionLifetimeMs ?? DEFAULT_UI_SESSION_LIFETIME_MS,
    maxLoginFailures: ui.maxLoginFailures ?? DEFAULT_LOGIN_MAX_FAILURES,
    secureCookie: ui.secureCookie ?? false,
    verifyLogin: ui.verifyLogin,
  });
  return { ui: monitor, sockets };
}
