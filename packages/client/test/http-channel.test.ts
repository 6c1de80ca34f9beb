import { Orchestrator } from '@orchflow/core';
import { ErrorCode, type OrchflowError, PROTOCOL_VERSION } from '@orchflow/protocol';
import { WebSocketServer } from '@orchflow/server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isOrchflowLocalError, OrchflowClient, type OutputDataEvent } from '../src';
import { serveHttp } from './http-server-harness';

const serve = async (): Promise<string> => (await serveHttp()).url;

interface Sent {
  method: string;
  headers: Headers;
  body?: string;
}

/** A fetch that records requests and can break the open event streams (as a network drop would). */
function recordingFetch(): { fetch: typeof fetch; sent: Sent[]; drop(): void } {
  const sent: Sent[] = [];
  const breakers = new Set<AbortController>();
  const wrapped: typeof fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    sent.push({ method, headers: new Headers(init?.headers), body: init?.body as string | undefined });
    const response = await fetch(input, init);
    if (method !== 'GET' || !response.body) return response;
    const breaker = new AbortController();
    breakers.add(breaker);
    const body = response.body.pipeThrough(new TransformStream(), { signal: breaker.signal });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return {
    fetch: wrapped,
    sent,
    drop: () => {
      for (const breaker of breakers) breaker.abort();
      breakers.clear();
    },
  };
}

describe('HttpChannel', () => {
  it('sends its protocol version in initialize and names the session afterwards', async () => {
    const url = await serve();
    const recorder = recordingFetch();
    const client = await OrchflowClient.http(url, { fetch: recorder.fetch });
    onTestFinished(() => client.close());
    expect(client.capabilities.transports).toEqual(['http']);
    await client.ping();
    const [opening, ...later] = recorder.sent;
    expect(JSON.parse(opening?.body ?? '{}')).toMatchObject({
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION },
    });
    expect(opening?.headers.has('orchflow-session')).toBe(false);
    const session = later[0]?.headers.get('orchflow-session');
    expect(session).toBeTruthy();
    for (const request of later) expect(request.headers.get('orchflow-session')).toBe(session);
  });

  it('resumes a dropped event stream from Last-Event-ID with no output lost or repeated', async () => {
    const url = await serve();
    const recorder = recordingFetch();
    let resumes = 0;
    const client = await OrchflowClient.http(url, {
      fetch: recorder.fetch,
      reconnect: { initialDelayMs: 10, onReconnected: () => resumes++ },
    });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('resume');
    const chunks: OutputDataEvent[] = [];
    const reading = (async () => {
      let dropped = 0;
      for await (const event of terminal.stream({ fromOffset: 0 })) {
        expect(event.type).not.toBe('gap');
        if (event.type !== 'data') continue;
        chunks.push(event);
        const text = chunks.map((c) => c.data).join('');
        // Cut the stream twice while output is flowing.
        if (dropped < 2 && text.includes(`line-${(dropped + 1) * 400}`)) {
          dropped++;
          recorder.drop();
        }
        if (text.includes('END-OF-RUN')) break;
      }
    })();
    await terminal.write('for i in $(seq 1 1200); do echo line-$i; done; echo END-OF-$((0))RUN | tr -d 0\r');
    await reading;
    expect(resumes).toBeGreaterThan(0);
    const resumed = recorder.sent.filter((r) => r.method === 'GET' && r.headers.has('last-event-id'));
    expect(resumed.length).toBeGreaterThan(0);
    let next = chunks[0]?.offset ?? 0;
    for (const chunk of chunks) {
      expect(chunk.offset).toBe(next);
      next = chunk.nextOffset;
    }
    const all = await terminal.read({ fromOffset: chunks[0]?.offset ?? 0, maxBytes: next });
    expect(chunks.map((c) => c.data).join('')).toBe(all.data);
  }, 60_000);

  it('a POST whose connection drops fails only its requests (ChannelClosed); the session goes on', async () => {
    const url = await serve();
    let armed = false;
    const flaky: typeof fetch = async (input, init) => {
      if (armed && init?.method === 'POST' && String(init.body).includes('echo lost')) {
        armed = false;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const client = await OrchflowClient.http(url, { fetch: flaky });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('flaky');
    armed = true;
    const lost = await terminal.execute('echo lost').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowLocalError(lost) && lost.code).toBe(ErrorCode.ChannelClosed);
    expect((lost as Error).message).toContain('whether the server took the message is unknown');
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
  }, 30_000);

  it('sends a cancellation again when its POST drops or gets 429: the aborted command is interrupted', async () => {
    const url = await serve();
    let drops = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(init.body).includes('$/cancelRequest')) {
        drops++;
        if (drops === 1) throw new TypeError('fetch failed');
        // A server at its request limit (as when streams fill it).
        if (drops === 2)
          return Response.json({ error: { code: ErrorCode.Overloaded, message: 'busy' } }, { status: 429 });
      }
      return fetch(input, init);
    };
    const client = await OrchflowClient.http(url, { fetch: flaky });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('cancel');
    const abort = new AbortController();
    const running = terminal.execute('sleep 2; echo ran-to-the-end', { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    await expect(running).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    // Interrupted, not left to run: the next command runs at once and nothing finished meanwhile.
    const started = Date.now();
    expect((await terminal.execute('echo after')).stdout).toBe('after\n');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(drops).toBe(3);
    expect((await terminal.read({ fromOffset: 0 })).data).not.toMatch(/(^|\n)ran-to-the-end\r\n/);
  }, 30_000);

  it('a connection that goes silent (no FIN, no RST) fails the requests in flight with ChannelClosed', async () => {
    const url = await serve();
    // Once frozen, streams stop delivering without ending and nothing new is answered: what a
    // proxy or NAT that silently drops a connection looks like.
    let frozen = false;
    const never = (signal?: AbortSignal | null) =>
      new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const freezing: typeof fetch = async (input, init) => {
      if (frozen) return never(init?.signal);
      const response = await fetch(input, init);
      if ((init?.method ?? 'GET') !== 'GET' || !response.body) return response;
      const body = response.body.pipeThrough(
        new TransformStream({
          transform(chunk, controller) {
            if (!frozen) controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = await OrchflowClient.http(url, {
      fetch: freezing,
      // Longer than any quiet moment before the freeze, even on a loaded machine.
      livenessMs: 1000,
      reconnect: { initialDelayMs: 10, maxAttempts: 3 },
    });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('silent');
    const running = terminal.execute('sleep 30; echo done');
    await new Promise((resolve) => setTimeout(resolve, 300));
    frozen = true;
    const t0 = Date.now();
    const error = (await running.catch((e: unknown) => e)) as OrchflowError;
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    // The message says what went wrong last, not only that reopening failed.
    expect(error.message).toMatch(
      /could not be reopened \(3 attempts; the last: The event stream was silent for \d+ ms\)/,
    );
    // Silent 1 s, then three reopenings unanswered for 1 s each (~4 s), not the command's 30 s.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a stream that cannot be reopened fails the channel naming why the last attempt failed', async () => {
    const url = await serve();
    const link = recordingFetch();
    let unreachable = false;
    const client = await OrchflowClient.http(url, {
      // fetch's own failure: the reason is in its cause.
      fetch: (input, init) =>
        unreachable && (init?.method ?? 'GET') === 'GET'
          ? Promise.reject(
              new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }),
            )
          : link.fetch(input, init),
      reconnect: { initialDelayMs: 10, maxAttempts: 2 },
    });
    onTestFinished(() => client.close());
    const terminal = await client.spawnTerminal('unreachable');
    const running = terminal.execute('sleep 30');
    await new Promise((resolve) => setTimeout(resolve, 200));
    unreachable = true;
    link.drop();
    const error = (await running.catch((e: unknown) => e)) as OrchflowError;
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    expect(error.message).toContain('(2 attempts; the last: fetch failed: connect ECONNREFUSED 127.0.0.1:9)');
  });

  it('reports an unreachable server as ChannelClosed, saying which address it could not reach', async () => {
    const url = await serve();
    const unreachable = url.replace(/:\d+$/, ':1');
    const error = await OrchflowClient.http(unreachable).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    expect((error as Error).message).toContain(`Could not reach ${unreachable}/v1/rpc`);
  });

  it('reports a URL that is not an orchflow HTTP server as Unavailable, naming the status', async () => {
    // A WebSocket endpoint: the URL a user mixes up most easily with the HTTP listener's.
    const orchestrator = Orchestrator.builder().build();
    const ws = new WebSocketServer({ orchestrator, principal: { kind: 'admin' } });
    const { url } = await ws.start();
    onTestFinished(async () => {
      await ws.stop();
      await orchestrator.shutdown();
    });
    const error = await OrchflowClient.http(url.replace(/^ws:/, 'http:')).then(
      () => undefined,
      (e: unknown) => e as OrchflowError,
    );
    expect(error?.code).toBe(ErrorCode.Unavailable);
    expect(error?.data).toMatchObject({ reason: 'not-orchflow', status: 426 });
    expect(error?.message).toContain('HTTP 426 from the server, not an orchflow answer');
  });

  it('refuses a URL with credentials or no URL at all, without repeating the password', async () => {
    const refusal = (url: string) =>
      OrchflowClient.http(url).then(
        () => undefined,
        (e: unknown) => e as OrchflowError,
      );
    const withPassword = await refusal('http://bob:s3cret@127.0.0.1:1');
    expect(withPassword?.code).toBe(ErrorCode.InvalidParams);
    expect(withPassword?.message).toContain('give the token as { token }');
    expect(withPassword?.message).not.toContain('s3cret');
    expect((await refusal('127.0.0.1:8080'))?.message).toBe('Not a URL: "127.0.0.1:8080"');
  });
});
