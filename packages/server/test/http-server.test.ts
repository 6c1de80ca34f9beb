// HttpServer as a `curl` user meets it: REST routes with JSON bodies, status codes and JSON error
// bodies carrying the orchflow code, bearer auth and agent scoping, and the SSE output stream
// with `Last-Event-ID` resume.
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpServer } from '../src/http/http-server';
import { startHttp, TOKENS, testAuthenticator, testOrchestrator } from './transport-harness';

type Json = Record<string, unknown>;

function api(base: string, token: string | undefined = TOKENS.admin) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
}

function code(body: Json): unknown {
  return (body.error as Json | undefined)?.code;
}

/** Reads SSE events until `stop` says enough; returns them. */
async function sse(
  url: string,
  headers: Record<string, string>,
  stop: (events: Json[]) => boolean,
): Promise<Json[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Json[] = [];
  let buffer = '';
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        block
          .split('\n')
          .filter((l) => !l.startsWith(':') && l.includes(': '))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
      );
      if (fields.event)
        events.push({ event: fields.event, id: fields.id, ...JSON.parse(fields.data ?? '{}') });
    }
  }
  controller.abort();
  return events;
}

describe('HttpServer: REST', () => {
  it('refuses limits that are not positive integers when it is built, naming the option', () => {
    const orchestrator = testOrchestrator();
    for (const [key, value] of [
      ['maxStreams', 0],
      ['maxSessionsPerPrincipal', -2],
      ['maxBodyBytes', 1.5],
      ['reconnectGraceMs', -1],
    ] as const) {
      const built = () => new HttpServer({ orchestrator, auth: testAuthenticator(), [key]: value });
      expect(built).toThrow(new RegExp(`HttpServer: ${key} must be an integer ≥ \\d \\(got ${value}\\)`));
    }
  });

  it('spawns, executes, writes, resizes, snapshots, reads, lists and kills', async () => {
    const { url } = await startHttp();
    const call = api(url);
    expect(await call('GET', '/v1/health')).toMatchObject({ status: 200, body: { ok: true } });
    // A probe asking with HEAD gets the same status, without a body.
    const head = await fetch(`${url}/v1/health`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const spawned = await call('POST', '/v1/terminals', { agentId: 'curl', config: { cols: 80, rows: 24 } });
    expect(spawned.status).toBe(201);
    const id = String(spawned.body.id);
    const exec = await call('POST', `/v1/terminals/${id}/execute`, { command: 'echo hello' });
    expect(exec).toMatchObject({ status: 200, body: { stdout: 'hello\n', exitCode: 0 } });
    expect((await call('POST', `/v1/terminals/${id}/resize`, { cols: 100, rows: 30 })).status).toBe(200);
    expect((await call('POST', `/v1/terminals/${id}/execute`, { command: 'stty size' })).body.stdout).toBe(
      '30 100\n',
    );
    expect((await call('POST', `/v1/terminals/${id}/input`, { data: 'echo typed\r' })).status).toBe(200);
    const snapshot = await call('GET', `/v1/terminals/${id}/snapshot`);
    expect(snapshot.body).toMatchObject({ cols: 100, rows: 30 });
    const read = await call('GET', `/v1/terminals/${id}/output?fromOffset=0&maxBytes=100000`);
    expect(read.body.data).toContain('hello');
    expect((await call('GET', '/v1/terminals')).body.terminals).toHaveLength(1);
    expect((await call('GET', `/v1/terminals/${id}`)).body).toMatchObject({ id, agentId: 'curl' });
    expect((await call('DELETE', `/v1/terminals/${id}`)).status).toBe(200);
    expect(code((await call('POST', `/v1/terminals/${id}/execute`, { command: 'true' })).body)).toBe(
      ErrorCode.TerminalNotFound,
    );
  });

  it('answers bad requests with the right status and orchflow code', async () => {
    const { url } = await startHttp({ maxBodyBytes: 1024 });
    const call = api(url);
    const cases: [Promise<{ status: number; body: Json }>, number, number][] = [
      [call('POST', '/v1/terminals', '{oops'), 400, ErrorCode.InvalidParams],
      [call('POST', '/v1/terminals', { agentId: 42 }), 400, ErrorCode.InvalidParams],
      [call('GET', '/v1/terminals/nope/snapshot'), 404, ErrorCode.TerminalNotFound],
      [call('GET', '/v1/terminals/nope/output?fromOffset=-1'), 400, ErrorCode.InvalidParams],
      [call('GET', '/v1/nothing-here'), 404, ErrorCode.MethodNotFound],
      [call('POST', '/v1/terminals', { agentId: 'x'.repeat(5000) }), 413, ErrorCode.PayloadTooLarge],
    ];
    for (const [pending, status, errorCodeValue] of cases) {
      const { status: got, body } = await pending;
      expect([got, code(body)], JSON.stringify(body)).toEqual([status, errorCodeValue]);
      expect(typeof (body.error as Json).message).toBe('string');
    }
  });

  it('maps quota exhaustion to 429 and a finished terminal to 409', async () => {
    const { url } = await startHttp({ orchestrator: testOrchestrator({ maxTerminals: 2 }) });
    const call = api(url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call('POST', '/v1/terminals', { agentId: 'q' });
      if (r.status !== 201) {
        expect([r.status, code(r.body)]).toEqual([429, ErrorCode.QuotaExceeded]);
        break;
      }
      ids.push(String(r.body.id));
    }
    expect(ids).toHaveLength(2);
    const first = ids[0] as string;
    await call('POST', `/v1/terminals/${first}/input`, { data: 'exit\r' });
    const deadline = Date.now() + 15_000;
    while ((await call('GET', `/v1/terminals/${first}`)).body.state !== 'exited' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const again = await call('POST', `/v1/terminals/${first}/execute`, { command: 'true' });
    expect([again.status, code(again.body)]).toEqual([409, ErrorCode.TerminalExited]);
  }, 60_000);

  it('refuses missing and wrong tokens with 401 and scopes agents', async () => {
    const { url } = await startHttp();
    expect(await api(url, '')('GET', '/v1/terminals')).toMatchObject({
      status: 401,
      body: { error: { code: ErrorCode.Unauthorized } },
    });
    expect((await api(url, 'wrong-token-0123456789abcdef')('GET', '/v1/terminals')).status).toBe(401);
    const alice = api(url, TOKENS.alice);
    const bob = api(url, TOKENS.bob);
    const spawned = await alice('POST', '/v1/terminals', { agentId: 'alice-1' });
    expect(spawned.status).toBe(201);
    const id = String(spawned.body.id);
    expect((await alice('POST', '/v1/terminals', { agentId: 'bob-1' })).status).toBe(403);
    for (const [method, path] of [
      ['GET', `/v1/terminals/${id}/snapshot`],
      ['DELETE', `/v1/terminals/${id}`],
      ['POST', `/v1/terminals/${id}/execute`],
    ] as const) {
      const r = await bob(method, path, method === 'POST' ? { command: 'id' } : undefined);
      expect([r.status, code(r.body)]).toEqual([404, ErrorCode.TerminalNotFound]);
    }
    expect((await bob('GET', '/v1/terminals')).body.terminals).toEqual([]);
    const stream = await fetch(`${url}/v1/terminals/${id}/stream`, {
      headers: { Authorization: `Bearer ${TOKENS.bob}` },
    });
    expect(stream.status).toBe(404);
  });
});

describe('HttpServer: SSE', () => {
  it('streams output with offset ids and resumes from Last-Event-ID without loss or repeats', async () => {
    const { url } = await startHttp();
    const call = api(url);
    const id = String((await call('POST', '/v1/terminals', { agentId: 'sse' })).body.id);
    const auth = { Authorization: `Bearer ${TOKENS.admin}` };
    await call('POST', `/v1/terminals/${id}/execute`, { command: 'echo part-one' });
    const first = await sse(`${url}/v1/terminals/${id}/stream?fromOffset=0`, auth, (events) =>
      events.some((e) => e.event === 'output' && String(e.data).includes('part-one')),
    );
    await call('POST', `/v1/terminals/${id}/execute`, { command: 'echo part-two' });
    const outputs = first.filter((e) => e.event === 'output');
    const lastId = String(outputs.at(-1)?.id);
    const second = await sse(
      `${url}/v1/terminals/${id}/stream`,
      { ...auth, 'Last-Event-ID': lastId },
      (events) => events.some((e) => e.event === 'output' && String(e.data).includes('part-two')),
    );
    expect(second[0]).toMatchObject({ event: 'open', offset: Number(lastId) });
    const text = [...outputs, ...second.filter((e) => e.event === 'output')]
      .map((e) => String(e.data))
      .join('');
    const all = await call('GET', `/v1/terminals/${id}/output?fromOffset=0&maxBytes=1000000`);
    // The streams stopped at 'part-two'; the scrollback may hold the prompt after it too.
    const retained = String(all.body.data);
    const both = Math.min(retained.length, text.length);
    expect(retained.slice(0, both)).toBe(text.slice(0, both));
    expect(text.slice(0, both)).toContain('part-two');
  }, 30_000);

  it('numbers events by bytes, also when the output holds invalid UTF-8 (U+FFFD is 3 bytes)', async () => {
    const { url } = await startHttp();
    const call = api(url);
    const id = String((await call('POST', '/v1/terminals', { agentId: 'bytes' })).body.id);
    await call('POST', `/v1/terminals/${id}/execute`, { command: "printf 'A\\377\\376B\\n'; echo END" });
    const end = Number((await call('GET', `/v1/terminals/${id}/output?fromOffset=0`)).body.endOffset);
    const events = await sse(
      `${url}/v1/terminals/${id}/stream?fromOffset=0`,
      { Authorization: `Bearer ${TOKENS.admin}` },
      (all) => all.filter((e) => e.event === 'output').some((e) => Number(e.id) >= end),
    );
    // The last event's id is the end of the output, so a resume from it neither skips nor is refused.
    expect(Number(events.filter((e) => e.event === 'output').at(-1)?.id)).toBe(end);
  }, 30_000);

  it('open streams have their own limit and never block commands (or their cancellation)', async () => {
    const { url } = await startHttp({ maxConcurrentRequests: 2, maxStreams: 3, maxStreamsPerPrincipal: 3 });
    const call = api(url);
    const id = String((await call('POST', '/v1/terminals', { agentId: 'streams' })).body.id);
    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const open = () =>
      fetch(`${url}/v1/terminals/${id}/stream`, {
        headers: { Authorization: `Bearer ${TOKENS.admin}` },
        signal: controller.signal,
      });
    for (let i = 0; i < 3; i++) expect((await open()).status).toBe(200);
    const refused = await open();
    expect([refused.status, code((await refused.json()) as Json)]).toEqual([429, ErrorCode.Overloaded]);
    // Three streams held open, two requests allowed at once: commands still run.
    const ran = await call('POST', `/v1/terminals/${id}/execute`, { command: 'echo still-served' });
    expect([ran.status, ran.body.stdout]).toEqual([200, 'still-served\n']);
  }, 30_000);

  it('one token holds at most its share of the streams (half by default), so other tokens still get one', async () => {
    const { url, server } = await startHttp({ maxStreams: 4 });
    const id = String((await api(url)('POST', '/v1/terminals', { agentId: 'alice-share' })).body.id);
    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const open = (token: string) =>
      fetch(`${url}/v1/terminals/${id}/stream`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
    expect((await open(TOKENS.alice)).status).toBe(200);
    expect((await open(TOKENS.alice)).status).toBe(200);
    const refused = await open(TOKENS.alice);
    const body = (await refused.json()) as Json;
    expect([refused.status, code(body)]).toEqual([429, ErrorCode.Overloaded]);
    expect((body.error as Json).message).toMatch(/already holds 2 event streams/);
    // The pool has room for others: the viewer and the admin still stream.
    expect((await open(TOKENS.viewer)).status).toBe(200);
    expect((await open(TOKENS.admin)).status).toBe(200);
    expect(server.stats()).toMatchObject({ streams: 4 });
  }, 30_000);

  it('one token holds at most its share of the JSON-RPC sessions; ending one frees its place', async () => {
    const { url } = await startHttp({ maxSessions: 10, maxSessionsPerPrincipal: 2 });
    const initialize = (token: string) =>
      fetch(`${url}/v1/rpc`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'share' } },
        }),
      });
    const first = await initialize(TOKENS.bob);
    expect(first.status).toBe(200);
    expect((await initialize(TOKENS.bob)).status).toBe(200);
    const refused = await initialize(TOKENS.bob);
    expect([refused.status, code((await refused.json()) as Json)]).toEqual([429, ErrorCode.Overloaded]);
    expect((await initialize(TOKENS.alice)).status).toBe(200);
    const ended = await fetch(`${url}/v1/rpc`, {
      method: 'DELETE',
      headers: {
        Authorization: `Bearer ${TOKENS.bob}`,
        'Orchflow-Session': String(first.headers.get('orchflow-session')),
      },
    });
    expect(ended.status).toBe(204);
    expect((await initialize(TOKENS.bob)).status).toBe(200);
  }, 30_000);

  it('frees a vanished SSE client’s stream and subscription', async () => {
    const { url, server } = await startHttp({ maxStallMs: 60_000 });
    const call = api(url);
    const id = String((await call('POST', '/v1/terminals', { agentId: 'gone' })).body.id);
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/terminals/${id}/stream`, {
      headers: { Authorization: `Bearer ${TOKENS.admin}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(server.stats()).toMatchObject({ activeRequests: 1, streams: 1 });
    // Mid-stream: output is flowing and nobody reads it when the client vanishes.
    const running = call('POST', `/v1/terminals/${id}/execute`, {
      command: "head -c 8000000 /dev/zero | tr '\\0' y; echo",
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    expect((await running).body).toMatchObject({ exitCode: 0, timedOut: false });
    const deadline = Date.now() + 15_000;
    while (server.stats().streams > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(server.stats()).toEqual({
      activeRequests: 0,
      streams: 0,
      messageStreams: 0,
      sessions: 0,
      orphanedTerminals: 0,
    });
  }, 90_000);
});
