// Shared setup of the WebSocket, HTTP and conformance tests: an orchestrator behind a real server
// on 127.0.0.1:0 with an admin token and two agent tokens, torn down when the test finishes, and a
// raw `ws` socket for speaking malformed protocol at the server.
import { OrchflowClient } from '@orchflow/client';
import { createNodeWebSocket } from '@orchflow/client/node';
import { SUITE_TOKENS, TOKENS } from '@orchflow/conformance';
import { Orchestrator, type OrchestratorOptions } from '@orchflow/core';
import { ErrorCode, isOrchflowError, PROTOCOL_VERSION } from '@orchflow/protocol';
import { expect, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { TokenAuthenticator } from '../src/auth';
import { HttpServer } from '../src/http/http-server';
import type { HttpServerOptions } from '../src/http/http-server-options';
import { WebSocketServer } from '../src/ws/ws-server';
import type { WebSocketServerOptions } from '../src/ws/ws-server-options';

/** Tokens every test server accepts: the conformance suite's (admin, alice, bob, viewer). */
export { TOKENS };

/** alice may act as `alice*` agents, bob as `bob*` agents; the viewer sees everything, controls nothing. */
export function testAuthenticator(): TokenAuthenticator {
  return new TokenAuthenticator({ tokens: SUITE_TOKENS.map((entry) => ({ ...entry })) });
}

/** An orchestrator shut down when the test ends. */
export function testOrchestrator(options: OrchestratorOptions = {}): Orchestrator {
  const orch = new Orchestrator(options);
  onTestFinished(() => orch.shutdown());
  return orch;
}

/** A started WebSocket server with test tokens; stopped when the test ends. */
export async function startWs(
  options: Partial<WebSocketServerOptions> = {},
): Promise<{ server: WebSocketServer; url: string; orch: Orchestrator }> {
  const orch = options.orchestrator ?? testOrchestrator();
  const server = new WebSocketServer({ auth: testAuthenticator(), ...options, orchestrator: orch });
  const { url } = await server.start();
  onTestFinished(() => server.stop());
  return { server, url, orch };
}

/** A started HTTP server with test tokens; stopped when the test ends. */
export async function startHttp(
  options: Partial<HttpServerOptions> = {},
): Promise<{ server: HttpServer; url: string; orch: Orchestrator }> {
  const orch = options.orchestrator ?? testOrchestrator();
  const server = new HttpServer({ auth: testAuthenticator(), ...options, orchestrator: orch });
  const { url } = await server.start();
  onTestFinished(() => server.stop());
  return { server, url, orch };
}

/** A raw WebSocket speaking text frames, for feeding the server bad input. */
export interface RawSocket {
  send(text: string | Buffer): void;
  /** The next parsed message from the server. */
  next(): Promise<Record<string, unknown>>;
  /** Sends an `initialize` request with `token` and returns the response. */
  initialize(token?: string): Promise<Record<string, unknown>>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  socket: WebSocket;
}

/** Opens a raw socket to `url`, offering `protocols`; resolves once open. */
export async function rawSocket(
  url: string,
  headers: Record<string, string> = {},
  protocols: string[] = [],
): Promise<RawSocket> {
  const socket = new WebSocket(url, protocols, { headers });
  const inbox: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  onTestFinished(() => socket.terminate());
  const next = (): Promise<Record<string, unknown>> => {
    const queued = inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    socket,
    closed,
    next,
    send: (text) => socket.send(text),
    initialize: (token) => {
      socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'init',
          method: 'initialize',
          params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' }, token },
        }),
      );
      return next();
    },
  };
}

/** The `error.code` of a JSON-RPC response. */
export function errorCode(message: Record<string, unknown>): number | undefined {
  return (message.error as { code?: number } | undefined)?.code;
}

/** A WebSocket client (no reconnect) whose TCP connection a test can cut without a clean close. */
export async function droppableClient(
  url: string,
  token: string,
): Promise<{ client: OrchflowClient; drop: () => void }> {
  let socket: WebSocket | undefined;
  const factory = createNodeWebSocket({ token });
  const client = await OrchflowClient.websocket(url, {
    token,
    reconnect: false,
    createSocket: (target, protocols) => {
      const made = factory(target, protocols);
      socket = made as unknown as WebSocket;
      return made;
    },
  });
  onTestFinished(() => client.close());
  // terminate(): the socket is destroyed, no close frame, no `$/shutdown`: what a network cut looks like.
  return { client, drop: () => socket?.terminate() };
}

/**
 * Runs a command whose result (20 MB of output, `maxOutputBytes` 32 MiB) is over every transport's
 * 16 MiB per-message limit on `client`: expects `PayloadTooLarge` saying how to ask for less, and
 * the connection and terminal to go on.
 */
export async function expectOversizedAnswerRefused(client: OrchflowClient): Promise<void> {
  const terminal = await client.spawnTerminal('big');
  const error = await terminal
    .execute(`head -c ${20 * 2 ** 20} /dev/zero | tr '\\0' x`, { maxOutputBytes: 32 * 2 ** 20 })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PayloadTooLarge);
  expect((error as Error).message).toMatch(/over this connection's limit of 16777216 bytes.*terminal\.read/);
  expect((await terminal.execute('echo alive')).stdout).toBe('alive\n');
}

/** Resolves once `check` holds, polling every 25 ms; fails naming `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
