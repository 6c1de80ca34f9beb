// The five transports orchflow ships, as conformance cases: each starts a real server for the
// suite's orchestrator and connects `OrchflowClient`s with a token — direct (DirectChannel),
// stdio (StdioServer over pipes), Unix socket, WebSocket and HTTP sessions. Every connection can
// be cut abruptly (`drop`); all but stdio's single pipe then reconnect and resume.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { HttpExchange, HttpUpload } from '@orchflow/client';
import { OrchflowClient, openWebSocketChannel } from '@orchflow/client';
import { createNodeHttpExchange, createNodeWebSocket, unixSocketChannel } from '@orchflow/client/node';
import {
  channelTransport,
  RECONNECT,
  reconnecting,
  type SuiteAuth,
  type TransportCase,
} from '@orchflow/conformance';
import { ContentLengthCodec, DirectChannel } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { onTestFinished } from 'vitest';
import type WebSocket from 'ws';
import { TokenAuthenticator } from '../../src/auth';
import { HttpServer } from '../../src/http/http-server';
import { StdioServer } from '../../src/stdio';
import { UnixSocketServer } from '../../src/unix';
import { WebSocketServer } from '../../src/ws/ws-server';

/** orchflow's own token checking, over the suite's tokens and principals. */
const tokensOf = (auth: SuiteAuth): TokenAuthenticator =>
  new TokenAuthenticator({ tokens: [...auth.tokens] });

// In-process, through the same helper a custom transport's test uses (the documented path).
const direct = channelTransport('direct', () => {
  const [client, server] = DirectChannel.pair();
  return { client, server };
});

const stdio: TransportCase = {
  name: 'stdio',
  resumable: false,
  start: async (orch, auth) => async (token) => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server = new StdioServer({
      orchestrator: orch,
      auth: tokensOf(auth),
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
  name: 'unix',
  resumable: true,
  start: async (orch, auth) => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-conf-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'orchflow.sock');
    const server = new UnixSocketServer({
      orchestrator: orch,
      auth: tokensOf(auth),
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
  start: async (orch, auth) => {
    const server = new WebSocketServer({ orchestrator: orch, auth: tokensOf(auth) });
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

/**
 * HTTP sessions through Node's own HTTP client (what `@orchflow/client/node` uses), with streams the
 * test can break: as the Node client speaks it (`fallback` false: one streamed POST for its
 * messages, events as binary frames), or as a client gets it that can do neither, e.g. `fetch`
 * against a server without frames (a POST per message, SSE events).
 */
function httpCase(name: string, fallback: boolean): TransportCase {
  return {
    name,
    reports: 'http',
    resumable: true,
    start: async (orch, auth) => {
      const server = new HttpServer({ orchestrator: orch, auth: tokensOf(auth) });
      const { url } = await server.start();
      onTestFinished(() => server.stop());
      return async (token) => {
        const stream = breakableExchange();
        let resumes = 0;
        const client = await OrchflowClient.http(url, {
          token,
          exchange: stream.exchange,
          messageStream: !fallback,
          eventFormat: fallback ? 'sse' : 'frames',
          reconnect: { ...RECONNECT, onReconnected: () => resumes++ },
        });
        onTestFinished(() => client.close());
        return { client, drop: stream.drop, resumes: () => resumes };
      };
    },
  };
}

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

/**
 * The Node entry's HTTP exchange, whose event streams the test can break as `breakableStreams`
 * does; a drop cuts its message streams too, as a network drop would.
 */
export function breakableExchange(): { exchange: HttpExchange; drop(): void } {
  const inner = createNodeHttpExchange();
  const breakers = new Set<(error: Error) => void>();
  const uploads = new Set<HttpUpload>();
  async function* breakable(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const chunks = body[Symbol.asyncIterator]();
    let breaker!: (error: Error) => void;
    const broken = new Promise<never>((_, reject) => {
      breaker = reject;
    });
    broken.catch(() => undefined);
    breakers.add(breaker);
    try {
      for (;;) {
        const next = await Promise.race([chunks.next(), broken]);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      breakers.delete(breaker);
      await chunks.return?.();
    }
  }
  return {
    exchange: {
      async send(request) {
        const answer = await inner.send(request);
        return request.stream ? { ...answer, body: () => breakable(answer.body()) } : answer;
      },
      upload(request) {
        const upload = inner.upload(request);
        uploads.add(upload);
        return upload;
      },
    },
    drop: () => {
      for (const breaker of breakers) breaker(new Error('the test dropped the event stream'));
      breakers.clear();
      for (const upload of uploads) upload.destroy();
      uploads.clear();
    },
  };
}

/** Every transport; pass to `describe.each`. */
export const TRANSPORTS: readonly TransportCase[] = [
  direct,
  stdio,
  unix,
  websocket,
  httpCase('http', false),
  httpCase('http (POSTs and SSE)', true),
];
