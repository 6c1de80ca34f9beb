// The page's own HTTP server: index.html and app.js from public/, and the browser entry of
// @orchflow/client served as the plain ES modules its package builds (dist/*.mjs), with its two
// dependencies (@orchflow/protocol's runtime, zod/mini). The page's import map names them; no
// bundler. Only files under those folders are served: no `..`, no symlinks out, GET/HEAD only.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** URL prefix → folder: what the import map in public/index.html points at. */
async function moduleRoots(): Promise<Map<string, string>> {
  const fromHere = createRequire(import.meta.url);
  const client = dirname(fromHere.resolve('@orchflow/client/package.json'));
  // Resolved from the client's own folder: exactly the versions it imports.
  const fromClient = createRequire(join(client, 'package.json'));
  const protocol = dirname(fromClient.resolve('@orchflow/protocol/package.json'));
  const zod = dirname(fromClient.resolve('zod/package.json'));
  const roots: [string, string][] = [
    ['/modules/client/', join(client, 'dist')],
    ['/modules/protocol/', join(protocol, 'dist')],
    ['/modules/zod/', zod],
    ['/', PUBLIC_DIR],
  ];
  return new Map(
    await Promise.all(roots.map(async ([prefix, dir]) => [prefix, await realpath(dir)] as const)),
  );
}

/** Where the page is served and which WebSocket it talks to. */
export interface StaticSiteOptions {
  /** Default 0 (any free port); always 127.0.0.1. */
  port?: number;
  /** The orchflow WebSocket URL the page connects to (served as /config.json). */
  websocketUrl: () => string;
}

/** A started page server. */
export interface StaticSite {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  stop(): Promise<void>;
}

/** Starts the page server on 127.0.0.1. */
export async function startStaticSite(options: StaticSiteOptions): Promise<StaticSite> {
  if (typeof options.websocketUrl !== 'function') {
    throw new OrchflowError(ErrorCode.InvalidParams, 'startStaticSite needs websocketUrl: () => string');
  }
  const roots = await moduleRoots();
  const csp = contentSecurityPolicy(await readFile(join(PUBLIC_DIR, 'index.html'), 'utf8'));
  const server = createServer((request, response) => {
    handle(request, response, roots, options, csp).catch(() => send(response, 500, 'internal error'));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

/**
 * Scripts only from this server plus the page's one inline import map (by its hash): a token in
 * the page is worth protecting from injected script.
 */
function contentSecurityPolicy(html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  return `default-src 'self'; script-src 'self' 'sha256-${hash}'; connect-src 'self' ws://127.0.0.1:*; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  roots: Map<string, string>,
  options: StaticSiteOptions,
  csp: string,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'method not allowed');
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
  } catch {
    return send(response, 400, 'bad path');
  }
  // Browsers ask for it on their own; a 404 would show up as a console error.
  if (path === '/favicon.ico') return send(response, 204, '');
  if (path === '/config.json') {
    return send(response, 200, JSON.stringify({ websocketUrl: options.websocketUrl() }), '.map');
  }
  const file = await locate(path === '/' ? '/index.html' : path, roots);
  const type = file ? CONTENT_TYPES[extname(file)] : undefined;
  if (!file || !type) return send(response, 404, 'not found');
  if (file.endsWith('index.html')) response.setHeader('Content-Security-Policy', csp);
  return send(response, 200, await readFile(file), extname(file), request.method === 'HEAD');
}

/** The real file `path` names inside its root, or undefined (missing, hidden, or outside it). */
async function locate(path: string, roots: Map<string, string>): Promise<string | undefined> {
  for (const [prefix, root] of roots) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    if (rest.split('/').some((part) => part.startsWith('.'))) return undefined;
    try {
      const file = await realpath(resolve(root, rest));
      const inside = relative(root, file);
      const contained = inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`);
      return contained && (await stat(file)).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function send(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  ext = '.txt',
  headOnly = false,
): void {
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPES[ext] ?? 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(headOnly ? undefined : body);
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
