// `HttpServer`: orchflow for people with `curl` — REST routes for terminals, SSE for output, and
// `POST /v1/rpc` for any other single JSON-RPC request. Every request except `GET /v1/health`
// needs `Authorization: Bearer <token>`; each request runs on its own in-process connection for
// its principal (see RpcBridge), so terminals live until DELETE, not until the request ends.
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
import { readJsonBody } from './http-body';
import { sendError, sendJson } from './http-errors';
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
  maxBodyBytes?: number;
  maxConcurrentRequests?: number;
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
    on('GET', '/v1/terminals/:terminalId/stream', (request, response, found) =>
      serveSse(request, response, {
        orch: options.orchestrator,
        principal: this.principal(request),
        terminalId: found.params.terminalId ?? '',
        fromOffsetQuery: found.query.fromOffset,
        serverInfo: options.serverInfo,
      }),
    );
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
    if (!found) {
      sendError(response, notFound(request));
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

  /** One JSON-RPC request in, its response out (HTTP 200 either way, as JSON-RPC over HTTP does). */
  private async rpc(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const principal = this.principal(request);
    const body = await readJsonBody(request, this.options.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES);
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

function notFound(request: IncomingMessage): OrchflowError {
  return new OrchflowError(
    ErrorCode.MethodNotFound,
    `No route for ${request.method} ${request.url?.split('?')[0]}; see GET /v1/health and the /v1/terminals routes`,
  );
}
