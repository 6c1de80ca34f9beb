// The `node:http` exchange that `OrchflowClient.http` from `@orchflow/client/node` uses, against a
// real HTTP server on 127.0.0.1:0: bodies and headers go out, statuses, headers and bodies come
// back, an event stream is read as it arrives and ends when its signal aborts, the connection is
// kept alive between requests, and an unreachable server rejects like fetch does.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createNodeHttpExchange } from '../src/transports/http-node-exchange';
import { listenForTest } from './http-server-harness';

async function startServer(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
  keepAliveTimeout?: number,
) {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handler(req, body, res));
  });
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
  server.on('connection', () => connections++);
  const port = await listenForTest(server);
  return { url: `http://127.0.0.1:${port}/v1/rpc`, connections: () => connections };
}

describe('createNodeHttpExchange', () => {
  it('aborting a stream whose answer already arrived whole does not throw on its pooled connection', async () => {
    const server = await startServer((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end('data: last\n\n');
    });
    const errors: unknown[] = [];
    const onUncaught = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onUncaught);
    onTestFinished(() => void process.off('uncaughtException', onUncaught));
    const http = createNodeHttpExchange();
    const stop = new AbortController();
    const response = await http.send({
      method: 'GET',
      url: server.url,
      headers: {},
      signal: stop.signal,
      stream: true,
    });
    const chunks: string[] = [];
    const body = response.body() as NodeJS.ReadableStream;
    // What the channel does when the stream's last event says it ended: it stops, aborting the
    // request as it reads that event, though the answer is already complete (one TCP read).
    await new Promise<void>((resolve) => {
      body.once('data', (chunk: Buffer) => {
        chunks.push(chunk.toString());
        stop.abort();
        resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(chunks.join('')).toBe('data: last\n\n');
    expect(errors).toEqual([]);
    // The connection is still good for the next request.
    expect((await http.send({ method: 'GET', url: server.url, headers: {} })).status).toBe(200);
  });

  it('sends method, headers and body and keeps one connection for sequential requests', async () => {
    const seen: string[] = [];
    const server = await startServer((req, body, res) => {
      seen.push(`${req.method} ${req.headers.authorization} ${req.headers['content-type']} ${body}`);
      res.writeHead(202).end();
    });
    const http = createNodeHttpExchange();
    for (let i = 0; i < 3; i++) {
      const response = await http.send({
        method: 'POST',
        url: server.url,
        headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
        body: `{"n":${i},"text":"héllo ✓"}`,
      });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');
    }
    expect(seen).toEqual([0, 1, 2].map((i) => `POST Bearer t application/json {"n":${i},"text":"héllo ✓"}`));
    expect(server.connections()).toBe(1);
  });

  it("gives up an idle connection before the server's announced keep-alive timeout ends it", async () => {
    // The server closes connections idle for 2 s and says so (`Keep-Alive: timeout=2`). A client
    // that reused one as the server closed it lost the request ("socket hang up", its outcome
    // unknown): a client idle for 1.5 s must open a new connection instead.
    const server = await startServer((_req, _body, res) => void res.writeHead(202).end(), 2000);
    const http = createNodeHttpExchange();
    const post = async () => {
      const response = await http.send({ method: 'POST', url: server.url, headers: {}, body: '{}' });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');
    };
    await post();
    await post();
    expect(server.connections()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await post();
    expect(server.connections()).toBe(2);
  });

  it('sends a request again when its kept-alive connection turns out closed by the server', async () => {
    // The server runs in its own process: it closes a connection idle for 2 s while this process
    // is busy (its event loop blocked, so the agent's idle timer cannot run first).
    const server = spawn(
      process.execPath,
      [
        '-e',
        `let n = 0;
         const s = require('node:http').createServer((req, res) => {
           req.resume();
           req.on('end', () => res.end(String(++n)));
         });
         s.keepAliveTimeout = 2000;
         s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    onTestFinished(() => void server.kill());
    const port = await new Promise<string>((resolve) =>
      server.stdout.once('data', (d) => resolve(`${d}`.trim())),
    );
    const http = createNodeHttpExchange();
    const post = async () => {
      const response = await http.send({
        method: 'POST',
        url: `http://127.0.0.1:${port}/`,
        headers: {},
        body: '{}',
      });
      return response.text();
    };
    expect(await post()).toBe('1');
    // Back in the agent's pool of idle connections.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Past the server's close of the idle connection (a moment after its 2 s).
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      // Busy, as a client parsing a large file would be.
    }
    // The server never saw the request on the closed connection: it counts it once.
    expect(await post()).toBe('2');
  });

  it('returns status, headers and body of other answers', async () => {
    const server = await startServer((_req, _body, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json', 'Orchflow-Session': 's-1' });
      res.end('{"error":{"code":-32001,"message":"no such session ✓"}}');
    });
    const response = await createNodeHttpExchange().send({
      method: 'POST',
      url: server.url,
      headers: {},
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(response.header('Orchflow-Session')).toBe('s-1');
    expect(response.header('X-Missing')).toBeNull();
    expect(JSON.parse(await response.text())).toEqual({
      error: { code: -32001, message: 'no such session ✓' },
    });
  });

  it('streams an event stream as it arrives and ends it when the signal aborts', async () => {
    const server = await startServer((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('id: 1\ndata: {"a":1}\n\n');
    });
    const abort = new AbortController();
    const response = await createNodeHttpExchange().send({
      method: 'GET',
      url: server.url,
      headers: { Accept: 'text/event-stream' },
      signal: abort.signal,
      stream: true,
    });
    expect(response.status).toBe(200);
    const chunks = response.body()[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(new TextDecoder().decode(first.value)).toBe('id: 1\ndata: {"a":1}\n\n');
    // The server never ends the stream: only the abort does.
    abort.abort();
    await expect(chunks.next()).rejects.toThrow();
  });

  it('streams an upload line by line; a write refused only when nothing of it went out', async () => {
    let received = '';
    let cut: (() => void) | undefined;
    const server = createServer((req) => {
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        received += chunk;
      });
      cut = () => req.socket.destroy();
    });
    const port = await listenForTest(server);
    const upload = createNodeHttpExchange().upload({ url: `http://127.0.0.1:${port}/up`, headers: {} });
    await upload.write('{"a":1}\n');
    await expect.poll(() => received).toBe('{"a":1}\n');
    // Handed to the connection as it is cut: resolved (outcome unknown); the cut ends `finished`.
    const pending = upload.write('x'.repeat(8 * 1024 * 1024));
    cut?.();
    await expect(pending).resolves.toBeUndefined();
    await expect(upload.finished).rejects.toBeInstanceOf(TypeError);
    // Once the request is over nothing is written: refused, for the caller to send it another way.
    await expect(upload.write('{"b":2}\n')).rejects.toThrow(/closed/);
  });

  it('rejects with TypeError when nothing listens, and at once for an aborted signal', async () => {
    const server = await startServer((_req, _body, res) => res.end());
    const closedUrl = server.url.replace(/:\d+\//, ':1/');
    const http = createNodeHttpExchange();
    await expect(
      http.send({ method: 'POST', url: closedUrl, headers: {}, body: '{}' }),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(
      http.send({ method: 'GET', url: server.url, headers: {}, signal: AbortSignal.abort() }),
    ).rejects.toThrow();
    await expect(http.send({ method: 'GET', url: 'ftp://127.0.0.1/x', headers: {} })).rejects.toThrow(
      /Unsupported URL scheme/,
    );
  });
});
