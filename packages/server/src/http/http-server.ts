// `HttpServer`: orchflow over HTTP. `/v1/rpc` carries JSON-RPC sessions — POSTs in, one SSE
// stream out, served by the same `serveChannel`/RpcPeer path as every other transport (see
// http-sessions.ts); that is what `OrchflowClient.http` speaks. For people with `curl` there are
// also REST routes for terminals and a per-terminal SSE output stream; each REST request is a call
// on its own in-process connection for its principal (see rest-connection.ts), so terminals spawned
// by REST live until DELETE, not until the request ends. The routes and their OpenAPI description
// (`GET /v1/openapi.json`) come from one table (http-routes.ts). Every request except health and
// the OpenAPI document needs `Authorization: Bearer <token>` (when tokens are configured). Requests
// from browser origins not on the allowlist and POSTs that are not `application/json` are refused
// before routing (see http-gate), with or without tokens; allowed origins get CORS (http-cors).
// With the `ui` option, everything under `/ui` (the web monitor, its cookie login and its WebSocket)
// is MonitorUi's, with its own same-origin rules (see src/ui). With the `metrics` option, `GET
// /metrics` serves the Prometheus scrape under its own access rule (see http-metrics.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ErrorCode,
  internalErrorId,
  internalFailure,
  OrchflowError,
  type Principal,
} from '@orchflow/protocol';
import FindMyWay from 'find-my-way';
import { assertSafeBind, connectionAuth, DEFAULT_HOST } from '../auth';
import { channelServerOf } from '../channel-server';
import { clipText } from '../clip-text';
import { checkLimits } from '../limits/option-limits';
import { defaultShare, PrincipalSlots } from '../limits/principal-slots';
import { MonitorUi } from '../ui/monitor-ui';
import { type MountedMonitor, mountMonitor } from '../ui/mount';
import { bearerToken } from '../ws/upgrade';
import {
  DEFAULT_WS_MAX_BUFFERED_BYTES,
  DEFAULT_WS_MAX_CONNECTIONS,
  DEFAULT_WS_MAX_IN_FLIGHT,
  DEFAULT_WS_RECONNECT_GRACE_MS,
} from '../ws/ws-server-options';
import {
  bodyDeadlineExpired,
  DEFAULT_HTTP_REQUEST_BODY_TIMEOUT_MS,
  enforceBodyDeadline,
} from './body-deadline';
import { HttpConcurrency } from './http-concurrency';
import { allowOrigin, answerPreflight, isPreflight } from './http-cors';
import { sendError } from './http-errors';
import { checkContentType, checkOrigin, type GateRefusal, ROUTED_METHODS, unrouted } from './http-gate';
import { type MountedMetrics, mountMetrics } from './http-metrics';
import { ownHandlers } from './http-own-handlers';
import { ROUTES } from './http-routes';
import {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_MAX_CONNECTIONS,
  DEFAULT_HTTP_REPLAY_BUFFER_BYTES,
  DEFAULT_HTTP_SESSION_TTL_MS,
  HTTP_HEADERS_TIMEOUT_MS,
  type HttpServerAddress,
  type HttpServerOptions,
  type HttpServerStats,
  type LoginCode,
  type LoginCodeOptions,
} from './http-server-options';
import { HttpSessions, sessionErrorStatus } from './http-sessions';
import { type Handler, serveRestRoute } from './rest-route';

/** REST + SSE over HTTP for an Orchestrator. */
export class HttpServer {
  private readonly http: Server;
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });
  private readonly host: string;
  private readonly sessions: HttpSessions;
  private readonly concurrency: HttpConcurrency;
  // Handlers of routes that need no token (health, the OpenAPI document): never charged to one.
  private readonly openHandlers = new WeakSet<Handler>();
  private stopping: Promise<void> | undefined;
  private readonly monitor: MountedMonitor | undefined;
  private readonly metrics: MountedMetrics | undefined;
  private address: HttpServerAddress | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.host = options.host ?? DEFAULT_HOST;
    assertSafeBind(this.host, (options.auth?.size ?? 0) > 0);
    connectionAuth(options.auth, options.principal);
    checkLimits(
      'HttpServer',
      options,
      [
        'maxBodyBytes',
        'requestBodyTimeoutMs',
        'maxConcurrentRequests',
        'maxConcurrentRequestsPerPrincipal',
        'maxStreams',
        'maxStreamsPerPrincipal',
        'maxConnections',
        'maxSessions',
        'maxSessionsPerPrincipal',
        'sessionTtlMs',
        'maxInFlight',
        'maxBufferedBytes',
        'replayBufferBytes',
      ],
      ['reconnectGraceMs', 'maxStallMs'],
    );
    const channels = channelServerOf(options, 'HttpServer');
    this.concurrency = new HttpConcurrency(options);
    const maxSessions = options.maxSessions ?? DEFAULT_WS_MAX_CONNECTIONS;
    this.sessions = new HttpSessions({
      channels,
      maxSessions,
      sessionShares: new PrincipalSlots(
        options.maxSessionsPerPrincipal ?? defaultShare(maxSessions, options.auth),
        'HTTP sessions',
      ),
      ttlMs: options.sessionTtlMs ?? DEFAULT_HTTP_SESSION_TTL_MS,
      reconnectGraceMs: options.reconnectGraceMs ?? DEFAULT_WS_RECONNECT_GRACE_MS,
      maxInFlight: options.maxInFlight ?? DEFAULT_WS_MAX_IN_FLIGHT,
      maxPendingBytes: options.maxBufferedBytes ?? DEFAULT_WS_MAX_BUFFERED_BYTES,
      replayBytes: options.replayBufferBytes ?? DEFAULT_HTTP_REPLAY_BUFFER_BYTES,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES,
      serverInfo: options.serverInfo,
      maxStallMs: options.maxStallMs,
      onError: options.onError,
    });
    const own = ownHandlers({
      options,
      channels,
      sessions: this.sessions,
      principal: (request) => this.principal(request),
      openStream: (principal, response) => this.concurrency.openStream(principal, response),
      messageStreamOpened: (response) => this.concurrency.messageStreamOpened(response),
    });
    // The table is the served surface: a route without a handler, or a handler without a route,
    // fails here rather than leaving a gap between the server and its OpenAPI document.
    for (const route of ROUTES) {
      const key = `${route.method} ${route.path}`;
      const handler: Handler | undefined = route.handle
        ? (req, res, found) =>
            serveRestRoute(route, this.principal(req), req, res, found, {
              channels,
              serverInfo: options.serverInfo,
              maxBodyBytes: options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES,
              onError: options.onError,
            })
        : own.get(key);
      if (!handler) throw new Error(`HttpServer: no handler for route ${key}`);
      own.delete(key);
      this.router.on(route.method, route.path, () => undefined, handler);
      if (route.doc.auth === false) this.openHandlers.add(handler);
      // Health probes often ask with HEAD: the same answer, without its body (node drops it).
      if (key === 'GET /v1/health') this.router.on('HEAD', route.path, () => undefined, handler);
    }
    if (own.size > 0) throw new Error(`HttpServer: not in the route table: ${[...own.keys()].join(', ')}`);
    const mcp = options.mcp;
    if (mcp) {
      // MCP is its own protocol, not a REST route: outside the route table and the OpenAPI document.
      const handler: Handler = (request, response) => {
        // A GET is the session's long-lived event stream: it holds no share of the token's requests.
        if (request.method === 'GET') this.concurrency.giveBack(response);
        return mcp(request, response, this.principal(request));
      };
      this.router.on(['GET', 'POST', 'DELETE'], '/mcp', () => undefined, handler);
    }
    if (options.metrics !== undefined) {
      // The Prometheus scrape: its own text format and access rule, outside the REST route table.
      const metrics = mountMetrics(options.metrics, options.orchestrator, options.auth);
      this.metrics = metrics;
      const handler: Handler = (request, response) => metrics.handle(request, response);
      this.router.on('GET', '/metrics', () => undefined, handler);
    }
    // Node's requestTimeout would cut message streams; dispatch gives every request the same
    // deadline, which an accepted message stream lifts (body-deadline.ts).
    this.http = createServer(
      { requestTimeout: 0, headersTimeout: HTTP_HEADERS_TIMEOUT_MS },
      (request, response) => void this.dispatch(request, response),
    );
    // Past it Node closes new connections at once: idle ones cannot run the process out of file
    // descriptors (a spawn then failed with EMFILE).
    this.http.maxConnections = options.maxConnections ?? DEFAULT_HTTP_MAX_CONNECTIONS;
    this.monitor = mountMonitor(options, this.host);
    const ui = this.monitor?.ui;
    if (ui) this.http.on('upgrade', (request, socket, head) => ui.upgrade(request, socket, head));
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<HttpServerAddress> {
    // A missing monitor build fails the start, not the first page load.
    await this.monitor?.ui.prepare();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 0, this.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    const url = `http://${shown}:${port}`;
    this.address = { host: this.host, port, url, ...(this.monitor ? { ui: `${url}/ui/` } : {}) };
    return this.address;
  }

  /** Counts of what the server holds (all 0 once every client has gone). */
  stats(): HttpServerStats {
    return {
      ...this.concurrency.counts(),
      sessions: this.sessions.size,
      orphanedTerminals: this.sessions.orphanCount,
      ...(this.monitor
        ? {
            monitorSessions: this.monitor.ui.sessionCount,
            monitorConnections: this.monitor.sockets.connectionCount,
          }
        : {}),
    };
  }

  /**
   * Mints a one-time login code for the monitor (`ui` option): POSTed as `{ code }` to `/ui/login`
   * it logs in once, as `principal` (default: the first admin token's), before it expires (default
   * 10 minutes). Once started, `url` is the login link to hand a person. Throws InvalidState
   * without `ui`, InvalidParams when there is no admin token to stand behind a default code.
   */
  createLoginCode(options: LoginCodeOptions = {}): LoginCode {
    if (!this.monitor) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        'This server does not serve the monitor; pass ui: true',
      );
    }
    const minted = this.monitor.ui.createLoginCode(options.principal, options.ttlMs);
    const url = this.address && `${this.address.url}/ui/#code=${minted.code}`;
    return url ? { ...minted, url } : minted;
  }

  /**
   * Stops accepting, ends every session (their terminals are killed, as a stopping WebSocket
   * server kills its orphans) and closes open connections (SSE streams end; their subscriptions
   * are disposed).
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** `await using server = …` stops it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async shutdown(): Promise<void> {
    const listening = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.options.mcp?.close();
    this.metrics?.stop();
    this.monitor?.ui.stop();
    await this.monitor?.sockets.stop();
    await this.sessions.stop();
    this.http.closeIdleConnections();
    // SSE streams never go idle; ending them lets close() finish.
    this.http.closeAllConnections();
    await listening;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const timeoutMs = this.options.requestBodyTimeoutMs ?? DEFAULT_HTTP_REQUEST_BODY_TIMEOUT_MS;
    enforceBodyDeadline(request, response, timeoutMs);
    const ui = this.monitor?.ui;
    if (ui && MonitorUi.owns(request.url)) {
      await this.run(request, response, () => ui.handle(request, response));
      return;
    }
    const found = this.router.find(request.method as 'GET', request.url ?? '/');
    const badOrigin = checkOrigin(request, this.options.allowedOrigins ?? []);
    if (!badOrigin && request.headers.origin !== undefined) allowOrigin(response, request.headers.origin);
    if (!badOrigin && isPreflight(request)) {
      const methods = this.methodsOf(request.url ?? '/');
      if (methods.length > 0) {
        answerPreflight(response, methods);
        return;
      }
    }
    const refusal = badOrigin ?? (found ? checkContentType(request) : undefined);
    if (refusal || !found) {
      this.refuse(response, refusal ?? unrouted(request, this.methodsOf(request.url ?? '/')));
      return;
    }
    await this.run(
      request,
      response,
      () => (found.store as Handler)(request, response, { params: found.params, query: found.searchParams }),
      this.openHandlers.has(found.store as Handler) ? undefined : this.identify(request),
    );
  }

  /**
   * Runs a request's handler if the server admits it (http-concurrency.ts), answering what it throws.
   */
  private async run(
    request: IncomingMessage,
    response: ServerResponse,
    handle: () => Promise<void>,
    principal?: Principal,
  ): Promise<void> {
    if (!this.concurrency.admit(response, principal)) return;
    try {
      await handle();
    } catch (error) {
      const failure = this.answerFor(error, request, response);
      if (failure.code === ErrorCode.PayloadTooLarge) response.setHeader('Connection', 'close');
      sendError(response, failure, sessionErrorStatus(error));
    }
  }

  /**
   * What a request that failed with `error` is answered. An internal failure gets an error id and
   * is reported in full to onError; the client learns only the request and the id. One from a
   * REST call's dispatcher has both already (its `data.errorId`); the others (the route's own code
   * threw) get them here.
   */
  private answerFor(error: unknown, request: IncomingMessage, response: ServerResponse): OrchflowError {
    const failure = OrchflowError.from(error);
    if (failure.code !== ErrorCode.InternalError || internalErrorId(error) !== undefined) return failure;
    const path = clipText((request.url ?? '/').split('?')[0] ?? '/', 200);
    const internal = internalFailure(error, `${request.method} ${path}`, 'redacted');
    if (!internal) return failure;
    // A handler whose body read failed because the deadline answered 408 has nothing to report.
    if (!bodyDeadlineExpired(response)) this.options.onError?.(internal.report);
    return OrchflowError.fromJson(internal.answer);
  }

  /** Methods under which `url` is routed (for 405's `Allow`). */
  private methodsOf(url: string): string[] {
    return ROUTED_METHODS.filter((method) => this.router.find(method, url) !== null);
  }

  /** Answers a request the gate refused; the body may be unread, so the connection closes. */
  private refuse(response: ServerResponse, refusal: GateRefusal): void {
    response.setHeader('Connection', 'close');
    sendError(response, refusal.error, refusal.status, refusal.headers);
  }

  /** The principal of a request's token, or undefined (no valid one: its handler answers 401). */
  private identify(request: IncomingMessage): Principal | undefined {
    try {
      return this.principal(request);
    } catch {
      return undefined;
    }
  }

  /** The principal of a request's bearer token; throws Unauthorized without a valid one. */
  private principal(request: IncomingMessage): Principal {
    const base = connectionAuth(this.options.auth, this.options.principal);
    if (base.principal) return base.principal;
    const header = request.headers.authorization;
    // A gateway forwards a token-less caller as it is: its nodes decide (and refuse it if they need one).
    const anonymous = header === undefined ? this.options.auth?.anonymousPrincipal() : undefined;
    if (anonymous) return anonymous;
    const token = header === undefined ? undefined : bearerToken(header);
    const principal = token === undefined ? undefined : this.options.auth?.lookup(token);
    if (principal) return principal;
    throw new OrchflowError(
      ErrorCode.Unauthorized,
      header === undefined
        ? "This server requires a token: send 'Authorization: Bearer <token>'"
        : "The bearer token was not accepted (or the header is not 'Authorization: Bearer <token>'); use a token from the server's --token or --tokens file",
    );
  }
}
