// The HTTP channel's message stream (one streamed POST for all messages, Node only) against a real
// HttpServer: used once its probe comes back, it carries every message after that; behind a proxy
// that holds request bodies until they end (nginx's default) it never proves itself and the
// channel stays on POSTs; a dropped or silent stream fails only the requests no answered probe
// vouches for, with the local ChannelClosed ("outcome unknown"), and the channel goes on.
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { OrchflowClient } from '../src';
import type { HttpExchange, HttpUpload } from '../src/transports/http-exchange';
import { createNodeHttpExchange } from '../src/transports/http-node-exchange';
import { listenForTest, serveHttp } from './http-server-harness';

/** The Node exchange, counting POSTs and keeping the message streams it opened. */
function countingExchange(): { exchange: HttpExchange; posts: () => number; uploads: HttpUpload[] } {
  const inner = createNodeHttpExchange();
  let posts = 0;
  const uploads: HttpUpload[] = [];
  return {
    exchange: {
      send: (request) => {
        if (request.method === 'POST') posts++;
        return inner.send(request);
      },
      upload: (request) => {
        const upload = inner.upload(request);
        uploads.push(upload);
        return upload;
      },
    },
    posts: () => posts,
    uploads,
  };
}

/**
 * A reverse proxy on 127.0.0.1:0 in front of `target`. `holdBodies`: a request reaches the server
 * only once its whole body has arrived, as nginx forwards by default. `freeze()` stops passing on
 * anything more of message streams' bodies (a connection gone silent); POSTs still pass.
 */
async function proxy(target: string, holdBodies: boolean) {
  const upstream = new URL(target);
  let frozen = false;
  const server = createServer((req, res) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    const chunks: Buffer[] = [];
    const stream = req.url?.startsWith('/v1/rpc/stream') ?? false;
    req.on('data', (chunk: Buffer) => {
      if (holdBodies) chunks.push(chunk);
      else if (!(frozen && stream)) out.write(chunk);
    });
    req.on('end', () => out.end(Buffer.concat(chunks)));
  });
  const port = await listenForTest(server);
  const freeze = (): void => {
    frozen = true;
  };
  return { url: `http://127.0.0.1:${port}`, freeze };
}

/**
 * A client behind a passing proxy (`proxy(url, false)`) with `livenessMs`, its message stream
 * proven by a first command; resolves with the proxy and a bash terminal.
 */
async function provenBehindProxy(agentId: string, livenessMs: number) {
  const { url } = await serveHttp();
  const front = await proxy(url, false);
  const client = await OrchflowClient.http(front.url, { exchange: countingExchange().exchange, livenessMs });
  onTestFinished(() => client.close());
  const terminal = await client.spawnTerminal(agentId, { shell: 'bash' });
  expect((await terminal.execute('echo ok')).stdout).toBe('ok\n');
  return { front, terminal };
}

describe('HTTP message stream', () => {
  it('carries every message once its probe came back', async () => {
    const { url, server } = await serveHttp();
    const counting = countingExchange();
    const client = await OrchflowClient.http(url, { exchange: counting.exchange });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('stream', { shell: 'bash' });
    await expect.poll(() => server.stats().messageStreams).toBe(1);
    const before = counting.posts();
    for (let i = 0; i < 20; i++) expect((await terminal.execute(`echo ${i}`)).stdout).toBe(`${i}\n`);
    expect(counting.posts()).toBe(before);
    expect(counting.uploads).toHaveLength(1);
    await client.close();
    await expect.poll(() => server.stats().streams + server.stats().messageStreams).toBe(0);
    expect(server.stats().sessions).toBe(0);
  });

  it('sends a message over 1 MiB as a POST, after the lines before it', async () => {
    const { url } = await serveHttp();
    const counting = countingExchange();
    const client = await OrchflowClient.http(url, { exchange: counting.exchange });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('large', { shell: 'bash' });
    await terminal.execute('true');
    const posts = counting.posts();
    const written = terminal.execute('sleep 0.2; echo first');
    // Too large to risk the stream on (the server may refuse it): answered all the same.
    const listed = await client.listTerminals({ agentId: 'x'.repeat(1_100_000) }).then(
      (list) => list.length,
      (error: { code?: number }) => error.code,
    );
    expect(listed).not.toBe(ErrorCode.ChannelClosed);
    expect(counting.posts()).toBe(posts + 1);
    expect((await written).stdout).toBe('first\n');
    expect((await terminal.execute('echo after')).stdout).toBe('after\n');
    expect(counting.posts()).toBe(posts + 1);
  });

  it('stays on POSTs behind a proxy that holds request bodies until they end', async () => {
    const { url } = await serveHttp();
    const front = await proxy(url, true);
    const counting = countingExchange();
    const client = await OrchflowClient.http(front.url, { exchange: counting.exchange, livenessMs: 600 });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('held', { shell: 'bash' });
    const posts = counting.posts();
    expect((await terminal.execute('echo one')).stdout).toBe('one\n');
    expect(counting.posts()).toBeGreaterThan(posts);
    // The probe's wait ran out; the channel does not try again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await terminal.execute('echo two')).stdout).toBe('two\n');
    expect(counting.uploads).toHaveLength(1);
  });

  it('a dropped stream fails its unanswered requests with ChannelClosed; the channel goes on', async () => {
    const { url } = await serveHttp();
    const counting = countingExchange();
    const client = await OrchflowClient.http(url, { exchange: counting.exchange });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('dropped', { shell: 'bash' });
    await expect.poll(() => counting.uploads.length).toBe(1);
    await terminal.execute('true'); // proven by now: this went on the stream
    const running = terminal.execute('sleep 1; echo late');
    await new Promise((resolve) => setTimeout(resolve, 100));
    counting.uploads[0]?.destroy();
    const error = (await running.catch((failure: unknown) => failure)) as { code?: number; message?: string };
    expect(error.code).toBe(ErrorCode.ChannelClosed);
    expect(error.message).toContain('unknown');
    // The next command goes as a POST at once (after the interrupted one ends), and a new stream opens.
    expect((await terminal.execute('echo after')).stdout).toBe('after\n');
    await expect.poll(() => counting.uploads.length, { timeout: 5_000 }).toBe(2);
    expect((await terminal.execute('echo again')).stdout).toBe('again\n');
  });

  it('a request a later probe confirmed outlives the loss of its stream', async () => {
    const { url } = await serveHttp();
    const counting = countingExchange();
    const client = await OrchflowClient.http(url, { exchange: counting.exchange, livenessMs: 2_000 });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('confirmed', { shell: 'bash' });
    await terminal.execute('true');
    const running = terminal.execute('sleep 4; echo late');
    // Probes go out every ~0.7 s: one answered after the request says the server has it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    counting.uploads[0]?.destroy();
    expect((await running).stdout).toBe('late\n');
  });

  it('a stream gone silent while idle is found by its probes before a request is written on it', async () => {
    const { front, terminal } = await provenBehindProxy('idle', 600);
    front.freeze();
    // A probe goes out within 0.2 s and is given up 0.6 s later; the command then goes as a POST
    // (written on the dead stream instead, it would fail with ChannelClosed).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await terminal.execute('echo posted')).stdout).toBe('posted\n');
  });

  it('a stream gone silent under a request fails it with ChannelClosed within the liveness period', async () => {
    const { front, terminal } = await provenBehindProxy('silent', 900);
    front.freeze();
    const started = Date.now();
    const code = await terminal.execute('echo lost').then(
      () => 'answered',
      (error: { code?: number }) => error.code,
    );
    expect(code).toBe(ErrorCode.ChannelClosed);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
