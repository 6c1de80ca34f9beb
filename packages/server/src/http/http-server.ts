// `HttpServer`: orchflow for people with `curl` — REST routes for terminals, SSE for output, and
// `POST /v1/rpc` for any other single JSON-RPC request. Every request except `GET /v1/health`
// needs `Authorization: Bearer <token>` (when tokens are configured); each request runs on its own
// in-process connection for its principal (see RpcBridge), so terminals live until DELETE, not
// until the request ends. Requests from browser origins not on the allowlist and POSTs that are
// not `application/json` are refused before routing (see http-gate), with or without tokens.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Orchestrator } from '@orchflow/core';
import {
  ErrorCode,
  OrchflowError,
  PROTOCOL_VERSION,
  type Principal,
  type ServerInfo,
} from '@orchflow/protocol';
import FindMyWay from 'find-my-way';
import { assertSafeBind, connectionAuth, DEFAULT_HOST, type TokenAuthenticator } from '../auth';
import { bearerToken } from '../ws/upgrade';
import { readBodyText, readJsonBody, rpcBody } from './http-body';
import { sendError, sendJson } from './http-errors';
import { checkContentType, checkOrigin, type GateRefusal, ROUTED_METHODS, unrouted } from './http-gate';
import { ROUTES, type Route } from './http-routes';
import { serveSse } from './http-sse';
import { RpcBridge } from './rpc-bridge';

/** Default largest request body: 4 MiB. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default requests handled at once (SSE streams included) before 429. */
export const DEFAULT_HTTP_MAX_CONCURRENT = 512;

/** Options of {@link HttpServer}. */
export interface HttpServerOptions {
  orchestrator: Orchestrator;
  /** Default 127.0.0.1; anything else requires `auth`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Tokens → principals. Without it every request gets `principal`. */
  auth?: TokenAuthenticator;
  /** The principal of every request when there is no `auth` (loopback only). */
  principal?: Principal;
  /** Browser origins allowed to call (`*` for any). Default none: requests with an Origin get 403. */
  allowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  maxConcurrentRequests?: number;
  /** How long an SSE reader that stops reading may hold a terminal paused; then it goes lossy. Default 2 s. */
  maxStallMs?: number;
  serverInfo?: ServerInfo;
  /** Hears failures that became 500 responses. */
  onError?: (error: Error) => void;
}

/** Where a started server listens. */
export interface HttpServerAddress {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
}

/** What a {@link HttpServer} holds right now. */
export interface HttpServerStats {
  /** Requests being handled, open SSE streams included. */
  activeRequests: number;
  /** Open SSE streams (each holds one output subscription until its connection is cleaned up). */
  streams: number;
}

type Handler = (request: IncomingMessage, response: ServerResponse, found: Found) => Promise<void>;
interface Found {
  params: Record<string, string | undefined>;
  query: Record<string, string>;
}

/** REST + SSE over HTTP for an Orchestrator. */
export class HttpServer {
  private readonly http: Server;
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });
  private readonly host: string;
  private active = 0;
  private streams = 0;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.host = options.host ?? DEFAULT_HOST;
    assertSafeBind(this.host, (options.auth?.size ?? 0) > 0);
    connectionAuth(options.auth, options.principal);
    const on = (method: Route['method'], path: string, handler: Handler) =>
      this.router.on(method, path, () => undefined, handler);
    on('GET', '/v1/health', async (_request, response) =>
      sendJson(response, 200, { ok: true, protocolVersion: PROTOCOL_VERSION }),
    );
    on('GET', '/v1/session', async (request, response) => {
      const bridge = await RpcBridge.open(options.orchestrator, this.principal(request), {
        serverInfo: options.serverInfo,
      });
      await bridge.close();
      sendJson(response, 200, bridge.session);
    });
    on('GET', '/v1/terminals/:terminalId/stream', async (request, response, found) => {
      const principal = this.principal(request);
      this.streams++;
      try {
        await serveSse(request, response, {
          orch: options.orchestrator,
          principal,
          terminalId: found.params.terminalId ?? '',
          fromOffsetQuery: found.query.fromOffset,
          serverInfo: options.serverInfo,
          maxStallMs: options.maxStallMs,
          onClosed: () => this.streams--,
        });
      } catch (error) {
        // Refused before a connection existed (bad offset): there is nothing to clean up later.
        this.streams--;
        throw error;
      }
    });
    on('POST', '/v1/rpc', (request, response) => this.rpc(request, response));
    for (const route of ROUTES)
      on(route.method, route.path, (req, res, found) => this.rest(route, req, res, found));
    this.http = createServer((request, response) => void this.dispatch(request, response));
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<HttpServerAddress> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 0, this.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    return { host: this.host, port, url: `http://${shown}:${port}` };
  }

  /** Counts of what the server holds (all 0 once every client has gone). */
  stats(): HttpServerStats {
    return { activeRequests: this.active, streams: this.streams };
  }

  /** Stops accepting and closes open connections (SSE streams end; their subscriptions are disposed). */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      // SSE streams never go idle; ending them lets close() finish.
      this.http.closeAllConnections();
    });
    return this.stopping;
  }

  /** `await using server = …` stops it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const found = this.router.find(request.method as 'GET', request.url ?? '/');
    const refusal =
      checkOrigin(request, this.options.allowedOrigins ?? []) ??
      (found ? checkContentType(request) : undefined);
    if (refusal || !found) {
      this.refuse(response, refusal ?? unrouted(request, this.methodsOf(request.url ?? '/')));
      return;
    }
    const limit = this.options.maxConcurrentRequests ?? DEFAULT_HTTP_MAX_CONCURRENT;
    if (this.active >= limit) {
      sendError(
        response,
        new OrchflowError(ErrorCode.Overloaded, `The server is handling ${limit} requests; retry shortly`),
      );
      return;
    }
    this.active++;
    response.once('close', () => this.active--);
    try {
      await (found.store as Handler)(request, response, { params: found.params, query: found.searchParams });
    } catch (error) {
      const failure = OrchflowError.from(error);
      if (failure.code === ErrorCode.InternalError) this.options.onError?.(error as Error);
      if (failure.code === ErrorCode.PayloadTooLarge) response.setHeader('Connection', 'close');
      sendError(response, failure);
    }
  }

  private async rest(
    route: Route,
    request: IncomingMessage,
    response: ServerResponse,
    found: Found,
  ): Promise<void> {
    const bridge = await RpcBridge.open(this.options.orchestrator, this.principal(request), {
      serverInfo: this.options.serverInfo,
    });
    try {
      const result = await route.handle({
        params: found.params,
        query: found.query,
        body: () => readJsonBody(request, this.options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES),
        call: (method, params) => bridge.call(method, params),
      });
      sendJson(response, route.status ?? 200, result);
    } finally {
      await bridge.close();
    }
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

  /**
   * One JSON-RPC request in, its response out: HTTP 200 for any JSON-RPC answer, 400 with a
   * JSON-RPC ParseError / InvalidRequest body when the body is not one JSON-RPC object.
   */
  private async rpc(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const principal = this.principal(request);
    const parsed = rpcBody(
      await readBodyText(request, this.options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES),
    );
    if (!parsed.ok) {
      sendJson(response, 400, { jsonrpc: '2.0', id: null, error: parsed.error });
      return;
    }
    const body = parsed.value;
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    if (body.jsonrpc !== '2.0' || typeof body.method !== 'string' || body.method === 'initialize') {
      const message =
        "Send one JSON-RPC 2.0 request { jsonrpc: '2.0', id, method, params }; 'initialize' is implied by the bearer token";
      sendJson(response, 200, { jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message } });
      return;
    }
    const bridge = await RpcBridge.open(this.options.orchestrator, principal, {
      serverInfo: this.options.serverInfo,
    });
    try {
      const result = await bridge.call(body.method, body.params ?? {});
      sendJson(response, 200, { jsonrpc: '2.0', id, result });
    } catch (error) {
      sendJson(response, 200, { jsonrpc: '2.0', id, error: OrchflowError.from(error).toJson() });
    } finally {
      await bridge.close();
    }
  }

  /** The principal of a request's bearer token; throws Unauthorized without a valid one. */
  private principal(request: IncomingMessage): Principal {
    const base = connectionAuth(this.options.auth, this.options.principal);
    if (base.principal) return base.principal;
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : bearerToken(header);
    const principal = token === undefined ? undefined : this.options.auth?.lookup(token);
    if (principal) return principal;
    throw new OrchflowError(
      ErrorCode.Unauthorized,
      header === undefined
        ? "This server requires a token: send 'Authorization: Bearer <token>'"
        : 'The bearer token is missing, malformed or not valid for this server',
    );
  }
}
