// Shared setup of the web monitor tests: a built-looking monitor in a temp dir (index.html, a
// hashed asset, a secret file beside the dir and a symlink pointing at it), an HttpServer serving
// it under /ui with the test tokens plus a viewer token, and helpers that speak to it as the page
// would (same Origin, JSON bodies, the session cookie and beside it the session's page key).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { createNodeWebSocket } from '@orchflow/client/node';
import type { Orchestrator } from '@orchflow/core';
import { PAGE_KEY_HEADER, PAGE_KEY_PROTOCOL_PREFIX } from '@orchflow/protocol';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { TokenAuthenticator } from '../src/auth';
import { HttpServer } from '../src/http/http-server';
import type { HttpServerOptions, HttpUiOptions } from '../src/http/http-server-options';
import { WS_JSON_PROTOCOL } from '../src/ws/binary-output';
import { type RawSocket, rawSocket, TOKENS, testOrchestrator } from './transport-harness';

/** A viewer's token (read-only principal). */
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';
/** The body of the fake index.html. */
export const INDEX_HTML =
  '<!doctype html><title>orchflow monitor</title><script type="module" src="./assets/app-3f9a.js"></script>';
/** The fake hashed script. */
export const APP_JS = 'console.log("monitor");\n';
/** Text of the file beside the assets dir that must never be served. */
export const SECRET = 'not for the web';

/** A temp dir holding `app/` (the assets) and `secret.txt` beside it; `app/leak.txt` links to the secret. */
export async function fakeMonitorBuild(): Promise<{ root: string; assetsDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'orchflow-ui-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const assetsDir = join(root, 'app');
  await mkdir(join(assetsDir, 'assets'), { recursive: true });
  await writeFile(join(assetsDir, 'index.html'), INDEX_HTML);
  await writeFile(join(assetsDir, 'assets', 'app-3f9a.js'), APP_JS);
  await writeFile(join(assetsDir, 'assets', 'app-3f9a.css'), 'body{margin:0}');
  await writeFile(join(assetsDir, '.env'), 'HIDDEN=1');
  await writeFile(join(root, 'secret.txt'), SECRET);
  await symlink(join(root, 'secret.txt'), join(assetsDir, 'leak.txt'));
  await symlink(root, join(assetsDir, 'up'));
  return { root, assetsDir };
}

/** Admin, two agents (alice, bob) and a viewer. */
export function monitorAuthenticator(): TokenAuthenticator {
  return new TokenAuthenticator({
    tokens: [
      { token: TOKENS.admin, principal: { kind: 'admin', name: 'ops' } },
      { token: TOKENS.alice, principal: { kind: 'agent', name: 'alice', agentIdPrefix: 'alice' } },
      { token: VIEWER_TOKEN, principal: { kind: 'viewer', name: 'watcher' } },
    ],
  });
}

/** An HttpServer serving the fake monitor; stopped when the test ends. */
export async function startMonitor(
  options: Partial<HttpServerOptions> = {},
  ui: HttpUiOptions = {},
): Promise<{ server: HttpServer; url: string; orch: Orchestrator; assetsDir: string }> {
  const { assetsDir } = await fakeMonitorBuild();
  const orch = options.orchestrator ?? testOrchestrator();
  const server = new HttpServer({
    auth: monitorAuthenticator(),
    ...options,
    orchestrator: orch,
    ui: { assetsDir, ...ui },
  });
  const { url } = await server.start();
  onTestFinished(() => server.stop());
  return { server, url, orch, assetsDir };
}

/** What a request to the server answered. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/**
 * The page key of each session cookie `login` returned: the page keeps it in its origin's storage
 * and sends it beside the cookie, so the helpers here do too (a `Cookie` header they are given
 * brings its page key along unless the test sets the key header itself).
 */
const pageKeys = new Map<string, string>();

/** The page key `login` got with `cookie` (the first known one of a header holding several). */
export function pageKeyFor(cookie: string): string | undefined {
  for (const pair of cookie.split(';')) {
    const key = pageKeys.get(pair.trim());
    if (key !== undefined) return key;
  }
  return undefined;
}

/** The subprotocols the page offers on `/ui/ws` for `cookie`: the JSON one and its page key. */
export function pageProtocols(cookie: string): string[] {
  const key = pageKeyFor(cookie);
  return key === undefined ? [] : [WS_JSON_PROTOCOL, `${PAGE_KEY_PROTOCOL_PREFIX}${key}`];
}

/**
 * A request as the monitor page sends it: its own Origin, JSON bodies, the page key of a `Cookie`
 * given; `headers` override.
 */
export async function page(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const key = headers.Cookie === undefined ? undefined : pageKeyFor(headers.Cookie);
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      Origin: url,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(key === undefined ? {} : { [PAGE_KEY_HEADER]: key }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json =
    response.headers.get('content-type')?.includes('json') && text !== '' ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, body: json };
}

/**
 * Logs in with `{ token }` or `{ code }`; returns the `Cookie` header value for later requests
 * (its page key is remembered for the helpers above).
 */
export async function login(url: string, credentials: { token: string } | { code: string }): Promise<string> {
  const answer = await page(url, 'POST', '/ui/login', credentials);
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const key = answer.body?.pageKey;
  if (typeof key !== 'string') throw new Error(`login answered no pageKey: ${JSON.stringify(answer.body)}`);
  pageKeys.set(cookie, key);
  return cookie;
}

/** The `error.code` of a JSON error body. */
export function codeOf(answer: Answer): unknown {
  return (answer.body?.error as { code?: unknown } | undefined)?.code;
}

/** The `ws://…/ui/ws` URL of a server's `http://` URL. */
export function monitorSocketUrl(url: string): string {
  return `${url.replace(/^http/, 'ws')}/ui/ws`;
}

/**
 * The HTTP status an upgrade to `/ui/ws` with `headers` gets (101 when it became a WebSocket); a
 * `Cookie` brings its page key along as the page's subprotocol unless `protocols` are given.
 */
export function upgradeStatus(
  url: string,
  headers: Record<string, string>,
  protocols: string[] = headers.Cookie === undefined ? [] : pageProtocols(headers.Cookie),
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(monitorSocketUrl(url), protocols, { headers });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

/**
 * A raw socket on /ui/ws with `headers` (a `Cookie` brings its page key as the page's subprotocol);
 * resolves once open, with its first message and close.
 */
export function openRaw(url: string, headers: Record<string, string>): Promise<RawSocket> {
  const protocols = headers.Cookie === undefined ? [] : pageProtocols(headers.Cookie);
  return rawSocket(monitorSocketUrl(url), headers, protocols);
}

/**
 * An OrchflowClient over `/ui/ws` as the page opens it: the session cookie, its page key as a
 * subprotocol and the page's Origin, no token.
 */
export async function pageClient(url: string, cookie: string): Promise<OrchflowClient> {
  const socket = createNodeWebSocket({ headers: { Cookie: cookie, Origin: url } });
  const key = pageKeyFor(cookie);
  const withKey = key === undefined ? [] : [`${PAGE_KEY_PROTOCOL_PREFIX}${key}`];
  const client = await OrchflowClient.websocket(monitorSocketUrl(url), {
    reconnect: false,
    createSocket: (target, protocols) => socket(target, [...(protocols ?? [WS_JSON_PROTOCOL]), ...withKey]),
  });
  onTestFinished(() => client.close());
  return client;
}

/**
 * A request sent exactly as written — the path unnormalised (`fetch` would resolve `..`) and any
 * Host header — answered with status, headers and body text.
 */
export function rawRequest(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        response.once('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
      },
    );
    sent.once('error', reject);
    sent.end(options.body);
  });
}
