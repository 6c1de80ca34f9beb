// The handlers of the route table's routes that are not REST calls into the dispatcher: health,
// the OpenAPI document, the session summary, a terminal's SSE output stream and the JSON-RPC
// session endpoints (`/v1/rpc`, its message stream). HttpServer mounts them with the table's REST
// routes and fails at construction when the two disagree.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROTOCOL_VERSION, type Principal } from '@orchflow/protocol';
import type { ChannelServer } from '../channel-server';
import { sendJson, sendText } from './http-errors';
import type { Route } from './http-routes';
import type { HttpServerOptions } from './http-server-options';
import type { HttpSessions } from './http-sessions';
import { serveSse } from './http-sse';
import { openApiDocument } from './openapi';
import { openRestConnection } from './rest-connection';
import type { Handler } from './rest-route';
import { RPC_STREAM_PATH } from './rpc-upload';

/** What the handlers need from their server. */
export interface OwnHandlerContext {
  options: HttpServerOptions;
  channels: ChannelServer;
  sessions: HttpSessions;
  /** The principal of a request's token; throws Unauthorized without a valid one. */
  principal(request: IncomingMessage): Principal;
  /**
   * Counts an event stream about to open on `response` (throws Overloaded past the limits), giving
   * back the request share `response` held: a stream counts against stream shares. Returns its release.
   */
  openStream(principal: Principal, response: ServerResponse): () => void;
  /** A message stream was accepted on `response`: counted until it closes. */
  messageStreamOpened(response: ServerResponse): void;
}

/** The handlers, by `METHOD path` as the route table names them. */
export function ownHandlers(ctx: OwnHandlerContext): Map<string, Handler> {
  const { options, channels } = ctx;
  const own = new Map<string, Handler>();
  const on = (method: Route['method'], path: string, handler: Handler) =>
    own.set(`${method} ${path}`, handler);
  on('GET', '/v1/health', async (_request, response) =>
    sendJson(response, 200, { ok: true, protocolVersion: PROTOCOL_VERSION }),
  );
  let openApi: string | undefined;
  on('GET', '/v1/openapi.json', async (_request, response) => {
    openApi ??= JSON.stringify(
      openApiDocument({
        version: options.serverInfo?.version ?? PROTOCOL_VERSION,
        bearerAuth: (options.auth?.size ?? 0) > 0,
      }),
    );
    sendText(response, openApi);
  });
  on('GET', '/v1/session', async (request, response) => {
    const connection = await openRestConnection(channels, ctx.principal(request), {
      serverInfo: options.serverInfo,
      onError: options.onError,
    });
    await connection.close();
    sendJson(response, 200, connection.session);
  });
  on('GET', '/v1/terminals/:terminalId/stream', async (request, response, found) => {
    const principal = ctx.principal(request);
    const release = ctx.openStream(principal, response);
    try {
      await serveSse(request, response, {
        channels,
        principal,
        terminalId: found.params.terminalId ?? '',
        fromOffsetQuery: found.query.fromOffset,
        serverInfo: options.serverInfo,
        maxStallMs: options.maxStallMs,
        onError: options.onError,
        onClosed: release,
      });
    } catch (error) {
      // Refused before a connection existed (bad offset): there is nothing to clean up later.
      release();
      throw error;
    }
  });
  on('POST', '/v1/rpc', (request, response) => ctx.sessions.post(request, response, ctx.principal(request)));
  on('GET', '/v1/rpc', async (request, response) => {
    const principal = ctx.principal(request);
    const release = ctx.openStream(principal, response);
    response.once('close', release);
    ctx.sessions.stream(request, response, principal);
  });
  // A message stream stays open like an event stream, but a session holds at most one (a newer
  // one replaces it), so `maxSessions` bounds them: they take neither a stream's nor a request's slot.
  on('POST', RPC_STREAM_PATH, async (request, response) => {
    ctx.sessions.upload(request, response, ctx.principal(request));
    ctx.messageStreamOpened(response);
  });
  on('DELETE', '/v1/rpc', (request, response) =>
    ctx.sessions.remove(request, response, ctx.principal(request)),
  );
  return own;
}
