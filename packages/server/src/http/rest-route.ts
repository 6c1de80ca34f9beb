// Serving one REST route: the request's principal gets its own in-process connection (see
// rest-connection.ts), the route turns path, query and body into one protocol call on it, and the
// result is the response body. Errors propagate to HttpServer, which answers them with the JSON
// error shape every route shares.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal, ServerInfo } from '@orchflow/protocol';
import type { ChannelServer } from '../channel-server';
import { readJsonBody } from './http-body';
import { sendJson } from './http-errors';
import type { Route } from './http-routes';
import { openRestConnection } from './rest-connection';

/** Path parameters and query of a routed request. */
export interface Found {
  params: Record<string, string | undefined>;
  query: Record<string, string>;
}

/** Handles one routed request. */
export type Handler = (request: IncomingMessage, response: ServerResponse, found: Found) => Promise<void>;

/** What a REST route needs from the server. */
export interface RestDeps {
  channels: ChannelServer;
  serverInfo?: ServerInfo;
  maxBodyBytes: number;
  /** Hears internal failures (see `HttpServerOptions.onError`). */
  onError?: (error: Error) => void;
}

/** Runs `route` (which has a `handle`) for `principal` and writes its result. */
export async function serveRestRoute(
  route: Route,
  principal: Principal,
  request: IncomingMessage,
  response: ServerResponse,
  found: Found,
  deps: RestDeps,
): Promise<void> {
  const connection = await openRestConnection(deps.channels, principal, {
    serverInfo: deps.serverInfo,
    onError: deps.onError,
  });
  // A client that hangs up before the answer cancels the call, as `$/cancelRequest` does over
  // JSON-RPC: a REST execute whose caller is gone is interrupted rather than left running.
  const hangUp = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) hangUp.abort();
  });
  try {
    const result = await route.handle?.({
      params: found.params,
      query: found.query,
      body: () => readJsonBody(request, deps.maxBodyBytes),
      call: (method, params) => connection.peer.request(method, params as never, { signal: hangUp.signal }),
    });
    sendJson(response, route.doc.status ?? 200, result);
  } finally {
    await connection.close();
  }
}
