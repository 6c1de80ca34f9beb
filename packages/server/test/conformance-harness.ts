// The transports of the conformance suite: each starts a real server for a shared orchestrator
// and connects `OrchflowClient`s with a token, so one test body runs over direct (DirectChannel),
// stdio (StdioServer over pipes), Unix socket, WebSocket and HTTP. Every connection can be cut
// abruptly (`drop`) to prove that streams resume from their last offset.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { OrchflowClient, openWebSocketChannel, ReconnectingChannel } from '@orchflow/client';
import { createNodeWebSocket, unixSocketChannel } from '@orchflow/client/node';
import { type Orchestrator, serveChannel } from '@orchflow/core';
import { ContentLengthCodec, DirectChannel, type IpcChannel } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { onTestFinished } from 'vitest';
import type WebSocket from 'ws';
import { HttpServer } from '../src/http/http-server';
import { StdioServer } from '../src/stdio';
import { UnixSocketServer } from '../src/unix';
import { WebSocketServer } from '../src/ws/ws-server';
import { testAuthenticator } from './transport-harness';

/** A connected client and a way to cut its connection. */
export interface Connected {
  client: OrchflowClient;
  /** Cuts the transport under the client without a goodbye. */
  drop(): void;
  /** How many times the client reconnected (or reopened a stream) since it connected. */
  resumes(): number;
}

/** One transport under test. */
export interface TransportCase {
  name: string;
  /** Whether a dropped connection is resumed (stdio's single pipe is not). */
  resumable: boolean;
  /** Serves `orch`; the returned function connects a client with `token`. */
  start(orch: Orchestrator): Promise<(token: string) => Promise<Connected>>;
}

const RECONNECT = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 20 };

/** Connects through a ReconnectingChannel, remembering the newest raw channel so it can be cut. */
async function reconnecting(token: string, open: () => Promise<IpcChannel>): Promise<Connected> {
  let latest: IpcChannel | undefined;
  let resumes = 0;
  const channel = await ReconnectingChannel.open(
    async () => {
      latest = await open();
      return latest;
    },
    { ...RECONNECT, onReconnected: () => resumes++ },
  );
  const client = await OrchflowClient.fromChannel(channel, { token });
  onTestFinished(() => client.close());
  return { client, drop: () => void latest?.close(), resumes: () => resumes };
}

const direct: TransportCase = {
  name: 'direct',
  resumable: true,
  start: async (orch) => {
    const auth = testAuthenticator();
    return (token) =>
      reconnecting(token, async () => {
        const [client, server] = DirectChannel.pair();
        serveChannel(orch, server, { authenticate: auth.authenticate, killTerminalsOnClose: false });
        return client;
      });
  },
};

const stdio: TransportCase = {
  name: 'stdio',
  resumable: false,
  start: async (orch) => async (token) => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = new StdioServer({
      orchestrator: orch,
      auth: testAuthenticator(),
      input: toServer,
      output: toClient,
    });
    await server.start();
    onTestFinished(() => server.stop());
    const channel = new StreamChannel(
      { readable: toClient, writable: toServer },
      { codec: new ContentLengthCodec() },
    );
    const client = await OrchflowClient.fromChannel(channel, { token });
    onTestFinished(() => client.close());
    return { client, drop: () => toServer.destroy(), resumes: () => 0 };
  },
};

const unix: TransportCase = {
  name: 'unix socket',
  resumable: true,
  start: async (orch) => {
    const path = join(mkdtempSync(join(tmpdir(), 'orchflow-conf-')), 'orchflow.sock');
    const server = new UnixSocketServer({
      orchestrator: orch,
      auth: testAuthenticator(),
      path,
      killTerminalsOnClose: false,
    });
    await server.start();
    onTestFinished(() => server.stop());
    return (token) => reconnecting(token, () => unixSocketChannel(path));
  },
};

const websocket: TransportCase = {
  name: 'websocket',
  resumable: true,
  start: async (orch) => {
    const server = new WebSocketServer({ orchestrator: orch, auth: testAuthenticator() });
    const { url } = await server.start();
    onTestFinished(() => server.stop());
    return async (token) => {
      let socket: WebSocket | undefined;
      let resumes = 0;
      const factory = createNodeWebSocket({ token });
      const channel = await openWebSocketChannel(url, {
        reconnect: { ...RECONNECT, onReconnected: () => resumes++ },
        createSocket: (target) => {
          const made = factory(target);
          socket = made as unknown as WebSocket;
          return made;
        },
      });
      const client = await OrchflowClient.fromChannel(channel, { token });
      onTestFinished(() => client.close());
      return { client, drop: () => socket?.terminate(), resumes: () => resumes };
    };
  },
};

const http: TransportCase = {
  name: 'http',
  resumable: true,
  start: async (orch) => {
    const server = new HttpServer({ orchestrator: orch, auth: testAuthenticator() });
    const { url } = await server.start();
    onTestFinished(() => server.stop());
    return async (token) => {
      const stream = breakableStreams();
      let resumes = 0;
      const client = await OrchflowClient.http(url, {
        token,
        fetch: stream.fetch,
        reconnect: { ...RECONNECT, onReconnected: () => resumes++ },
      });
      onTestFinished(() => client.close());
      return { client, drop: stream.drop, resumes: () => resumes };
    };
  },
};

/**
 * A `fetch` whose session event streams (GET /v1/rpc) pass through a stream the test can break,
 * as a dropped connection would; `drop()` breaks the open ones.
 */
export function breakableStreams(): { fetch: typeof fetch; drop(): void } {
  const breakers = new Set<AbortController>();
  const breakable: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if ((init?.method ?? 'GET') !== 'GET' || !response.body) return response;
    const breaker = new AbortController();
    breakers.add(breaker);
    const body = response.body.pipeThrough(new TransformStream(), { signal: breaker.signal });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return {
    fetch: breakable,
    drop: () => {
      for (const breaker of breakers) breaker.abort();
      breakers.clear();
    },
  };
}

/** Every transport; pass to `describe.each`. */
export const TRANSPORTS: readonly TransportCase[] = [direct, stdio, unix, websocket, http];
