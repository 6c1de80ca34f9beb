// Streamable HTTP: the SDK's `createMcpHandler` (2026-07-28 per-request serving, with the
// stateless fallback for 2025 clients) behind a Node `(request, response)` handler that a plain
// `node:http` server (such as `orchflow serve --http … --mcp`) mounts at `/mcp`. Authentication is
// the host server's: it passes the principal its bearer token maps to. This handler adds the DNS
// rebinding defences the MCP spec asks for: Origin and Host validation (403).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  localhostAllowedOrigins,
  originValidationResponse,
} from '@modelcontextprotocol/server';
import type { Principal } from '@orchflow/protocol';
import type { OrchflowMcpServer } from './server';

/** The path `orchflow serve --mcp` mounts the handler at. */
export const MCP_HTTP_PATH = '/mcp';

/** Options of {@link createMcpHttpHandler}. */
export interface McpHttpHandlerOptions {
  /**
   * Origin hostnames allowed to call (requests without `Origin` are not from a browser and pass).
   * Default: localhost-class origins only; a foreign Origin gets 403.
   */
  allowedOriginHostnames?: string[];
  /**
   * `Host` header hostnames accepted (DNS rebinding defence for loopback servers), e.g.
   * `['localhost', '127.0.0.1', '[::1]']`. Default: not checked.
   */
  allowedHostnames?: string[];
  /** Hears out-of-band errors (reporting only). */
  onError?: (error: Error) => void;
}

/** A Node handler serving MCP over Streamable HTTP; `close()` aborts exchanges in flight. */
export interface McpNodeHandler {
  (request: IncomingMessage, response: ServerResponse, principal?: Principal): Promise<void>;
  close(): Promise<void>;
}

function toWebRequest(request: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(url, {
    method: request.method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(request) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

async function writeResponse(webResponse: Response, response: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  webResponse.headers.forEach((value, name) => {
    headers[name] = value;
  });
  response.writeHead(webResponse.status, headers);
  if (!webResponse.body) {
    response.end();
    return;
  }
  const reader = webResponse.body.getReader();
  // An SSE stream ends when the client goes away: stop reading then.
  response.once('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    response.write(value);
  }
  response.end();
}

/** A Node handler serving `mcp` over Streamable HTTP. */
export function createMcpHttpHandler(
  mcp: OrchflowMcpServer,
  options: McpHttpHandlerOptions = {},
): McpNodeHandler {
  const handler = createMcpHandler(() => mcp.createServer(), { onerror: options.onError });
  const origins = options.allowedOriginHostnames ?? localhostAllowedOrigins();
  const serve = async (request: IncomingMessage, response: ServerResponse, principal?: Principal) => {
    const abort = new AbortController();
    response.once('close', () => abort.abort());
    const webRequest = toWebRequest(request, abort.signal);
    const refused =
      originValidationResponse(webRequest, origins) ??
      (options.allowedHostnames
        ? hostHeaderValidationResponse(webRequest, options.allowedHostnames)
        : undefined);
    if (refused) {
      response.setHeader('Connection', 'close');
      await writeResponse(refused, response);
      return;
    }
    const authInfo =
      principal === undefined
        ? undefined
        : { token: '', clientId: principal.name ?? principal.kind, scopes: [], extra: { principal } };
    await writeResponse(await handler.fetch(webRequest, { authInfo }), response);
  };
  return Object.assign(serve, { close: () => handler.close() });
}
