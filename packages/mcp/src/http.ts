// Streamable HTTP: the SDK's `createMcpHandler` (2026-07-28 per-request serving) and sessions for
// 2025-era clients, behind a Node `(request, response)` handler that a plain
// `node:http` server (such as `orchflow serve --http … --mcp`) mounts at `/mcp`. Authentication is
// the host server's: it passes the principal its bearer token maps to. This handler adds the DNS
// rebinding defences the MCP spec asks for: Origin and Host validation (403).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedOrigins,
  originValidationResponse,
} from '@modelcontextprotocol/server';
import type { Principal } from '@orchflow/protocol';
import { LegacyHttpSessions } from './legacy-http';
import { ListenWatcher } from './listen';
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

/** Largest request body read (the SDK's own default bound): larger ones get 413. */
export const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

/** The body of `request`, or undefined when it is over {@link MAX_MCP_BODY_BYTES}. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_MCP_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer | undefined): unknown {
  if (body === undefined || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // the SDK answers the parse error
  }
}

function toWebRequest(
  request: IncomingMessage,
  body: Buffer | undefined,
  signal: AbortSignal,
  withBody: boolean,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
  return new Request(url, {
    method: withBody ? request.method : 'GET',
    headers,
    signal,
    ...(withBody ? { body: new Uint8Array(body ?? Buffer.alloc(0)) } : {}),
  });
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

/**
 * A Node handler serving `mcp` over Streamable HTTP: 2026-07-28 requests through the SDK's
 * `createMcpHandler` (modern only; `subscriptions/listen` streams carry resource updates, see
 * listen.ts), 2025-era clients in sessions of their own (legacy-http.ts).
 */
export function createMcpHttpHandler(
  mcp: OrchflowMcpServer,
  options: McpHttpHandlerOptions = {},
): McpNodeHandler {
  const modern = createMcpHandler(
    (ctx) =>
      mcp.createServer({
        principal: ctx.authInfo?.extra?.principal as Principal | undefined,
        // A client over the network: the server's own internal failures as what failed and an id.
        internalErrorDetail: 'redacted',
      }),
    { legacy: 'reject', onerror: options.onError },
  );
  const legacy = new LegacyHttpSessions(mcp, options.onError);
  const listens = new ListenWatcher(mcp, modern.notify);
  const origins = options.allowedOriginHostnames ?? localhostAllowedOrigins();
  const serve = async (request: IncomingMessage, response: ServerResponse, principal?: Principal) => {
    const abort = new AbortController();
    response.once('close', () => abort.abort());
    // Origin and Host first, from the headers: a refused request's body is never read.
    const heads = toWebRequest(request, undefined, abort.signal, false);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const forbidden =
      originValidationResponse(heads, origins) ??
      (options.allowedHostnames ? hostHeaderValidationResponse(heads, options.allowedHostnames) : undefined);
    const body = hasBody && !forbidden ? await readBody(request) : undefined;
    const webRequest = toWebRequest(request, body, abort.signal, hasBody);
    const refused =
      forbidden ??
      (hasBody && body === undefined
        ? Response.json(
            {
              jsonrpc: '2.0',
              error: { code: -32000, message: `Request body over ${MAX_MCP_BODY_BYTES} bytes` },
              id: null,
            },
            { status: 413 },
          )
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
    let parsed = parseJson(body);
    let answer: Response;
    if (await isLegacyRequest(webRequest, parsed)) {
      answer = await legacy.handle(webRequest, parsed, principal, authInfo);
    } else {
      parsed = await listens.open(parsed, principal, abort.signal);
      answer = await modern.fetch(webRequest, {
        authInfo,
        ...(parsed === undefined ? {} : { parsedBody: parsed }),
      });
    }
    await writeResponse(answer, response);
  };
  return Object.assign(serve, {
    close: async () => {
      await Promise.all([modern.close(), legacy.close()]);
    },
  });
}
