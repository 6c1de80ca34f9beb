// The REST surface against its own description: real calls to a real HttpServer, each response
// body validated (ajv, JSON Schema 2020-12) against the schema `GET /v1/openapi.json` gives for
// that route and status; the route table, the served routes and the document name the same
// operations; and a REST caller that hangs up cancels its command as a JSON-RPC caller can.
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../src/http/http-routes';
import { openApiPath } from '../src/http/openapi';
import { startHttp, TOKENS } from './transport-harness';

// biome-ignore lint/suspicious/noExplicitAny: the test walks parsed JSON documents.
type Json = Record<string, any>;

/** Fetches the served document and returns a validator of real answers against it. */
async function described(url: string) {
  const served = await fetch(`${url}/v1/openapi.json`);
  expect(served.status).toBe(200);
  const doc = (await served.json()) as Json;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const resolve = (value: Json): Json => {
    const ref = value.$ref as string | undefined;
    if (!ref) return value;
    return ref
      .slice(2)
      .split('/')
      .reduce((node: Json, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  };
  const checked = new Set<string>();
  /** Sends a request, checks its status and that the body matches the document; returns the body. */
  const call = async (
    method: string,
    route: string,
    path: string,
    status: number,
    body?: unknown,
    /** '' sends no token. */
    token: string = TOKENS.admin,
  ): Promise<Json> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status, text).toBe(status);
    const operation = doc.paths[openApiPath(route)]?.[method.toLowerCase()] as Json | undefined;
    expect(operation, `${method} ${route} is described`).toBeDefined();
    const answers = (operation as Json).responses as Json;
    const answer = resolve(answers[String(status)] ?? answers[`${String(status)[0]}XX`]);
    expect(answer, `${method} ${route} documents status ${status}`).toBeDefined();
    const schema = answer.content?.['application/json']?.schema as Json | undefined;
    if (!schema) {
      expect(text).toBe('');
      return {};
    }
    expect(response.headers.get('content-type')).toContain('application/json');
    const value = JSON.parse(text) as Json;
    const validate = ajv.compile(resolve(schema));
    expect(validate(value), `${method} ${path} → ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    checked.add(`${method} ${route}`);
    return value;
  };
  return { doc, call, checked, ajv };
}

describe('HttpServer: OpenAPI', () => {
  it('describes exactly the routes the server serves', async () => {
    const { url } = await startHttp({ allowedOrigins: ['https://app.example'] });
    const { doc } = await described(url);
    expect(doc.openapi).toBe('3.1.0');
    const table = ROUTES.map((route) => `${route.method} ${openApiPath(route.path)}`).sort();
    const documented = Object.entries(doc.paths as Json)
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(table);
    // The real router agrees: a preflight lists the methods each documented path is served under.
    for (const [path, operations] of Object.entries(doc.paths as Json)) {
      const response = await fetch(`${url}${path.replace('{terminalId}', 'some-id')}`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
      });
      expect(response.status, path).toBe(204);
      const served = String(response.headers.get('access-control-allow-methods')).split(', ').sort();
      expect(served, path).toEqual(
        Object.keys(operations)
          .map((m) => m.toUpperCase())
          .sort(),
      );
    }
    // Operation ids are unique, and the bearer scheme is declared (health and the document need none).
    const ids = Object.values(doc.paths as Json).flatMap((ops) =>
      Object.values(ops as Json).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/health'].get.security).toEqual([]);
    expect(doc.paths['/v1/terminals'].post.requestBody.content['application/json'].schema.required).toEqual([
      'agentId',
    ]);
  });

  it('drops the bearer scheme on a server without tokens', async () => {
    const { url } = await startHttp({ auth: undefined, principal: { kind: 'admin' } });
    const doc = (await (await fetch(`${url}/v1/openapi.json`)).json()) as Json;
    expect(doc.security).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
  });

  it('answers every REST call with a body its OpenAPI schema accepts', async () => {
    const { url } = await startHttp({ maxBodyBytes: 4096 });
    const { call, checked, doc, ajv } = await described(url);
    const t = '/v1/terminals/:terminalId';
    await call('GET', '/v1/health', '/v1/health', 200, undefined, '');
    await call('GET', '/v1/session', '/v1/session', 200);
    const spawned = await call('POST', '/v1/terminals', '/v1/terminals', 201, {
      agentId: 'rest',
      config: { cols: 90, rows: 20 },
    });
    const id = String(spawned.id);
    const at = `/v1/terminals/${id}`;
    const exec = await call('POST', `${t}/execute`, `${at}/execute`, 200, { command: 'echo hi; (exit 3)' });
    expect(exec).toMatchObject({ stdout: 'hi\n', exitCode: 3 });
    // A body with a key the method does not take: the document refuses it as the server does.
    const typo = { command: 'sleep 5', timeout: 500 };
    const bodySchema =
      doc.paths[openApiPath(`${t}/execute`)].post.requestBody.content['application/json'].schema;
    expect(ajv.validate(bodySchema, typo)).toBe(false);
    expect(ajv.validate(bodySchema, { command: 'true', timeoutMs: 500 })).toBe(true);
    const refused = await call('POST', `${t}/execute`, `${at}/execute`, 400, typo);
    expect(refused.error.code).toBe(ErrorCode.InvalidParams);
    expect(refused.error.message).toContain("Unknown key 'timeout' (did you mean 'timeoutMs'?)");
    await call('POST', `${t}/resize`, `${at}/resize`, 200, { cols: 100, rows: 30 });
    await call('POST', `${t}/input`, `${at}/input`, 200, { data: 'echo typed\r' });
    expect(await call('GET', '/v1/terminals', '/v1/terminals?agentId=rest&state=running', 200)).toMatchObject(
      {
        terminals: [{ id }],
      },
    );
    await call('GET', t, at, 200);
    expect(await call('GET', `${t}/snapshot`, `${at}/snapshot`, 200)).toMatchObject({ cols: 100, rows: 30 });
    expect(await call('GET', `${t}/activity`, `${at}/activity`, 200)).toMatchObject({ terminalId: id });
    expect(await call('GET', `${t}/history`, `${at}/history?limit=5`, 200)).toMatchObject({
      commands: [
        { command: 'echo hi; (exit 3)', exitCode: 3, source: 'execute' },
        { command: 'echo typed', source: 'typed' },
      ],
    });
    expect(
      (await call('GET', `${t}/output`, `${at}/output?fromOffset=0&maxBytes=65536`, 200)).data,
    ).toContain('hi');
    // Errors: each one's body is the documented error shape with the orchflow code.
    const errors: [string, string, string, number, unknown, number, string][] = [
      [
        'GET',
        `${t}/snapshot`,
        '/v1/terminals/nope/snapshot',
        404,
        undefined,
        ErrorCode.TerminalNotFound,
        TOKENS.admin,
      ],
      ['GET', t, '/v1/terminals/nope', 404, undefined, ErrorCode.TerminalNotFound, TOKENS.admin],
      ['POST', '/v1/terminals', '/v1/terminals', 400, { agentId: 42 }, ErrorCode.InvalidParams, TOKENS.admin],
      ['POST', `${t}/execute`, `${at}/execute`, 400, '{oops', ErrorCode.InvalidParams, TOKENS.admin],
      [
        'GET',
        `${t}/output`,
        `${at}/output?fromOffset=-1`,
        400,
        undefined,
        ErrorCode.InvalidParams,
        TOKENS.admin,
      ],
      [
        'POST',
        '/v1/terminals',
        '/v1/terminals',
        413,
        { agentId: 'x'.repeat(5000) },
        ErrorCode.PayloadTooLarge,
        TOKENS.admin,
      ],
      ['GET', '/v1/terminals', '/v1/terminals', 401, undefined, ErrorCode.Unauthorized, ''],
      [
        'POST',
        '/v1/terminals',
        '/v1/terminals',
        403,
        { agentId: 'bob-1' },
        ErrorCode.Forbidden,
        TOKENS.alice,
      ],
      ['GET', `${t}/history`, `${at}/history?limit=0`, 400, undefined, ErrorCode.InvalidParams, TOKENS.admin],
      // A viewer reads every terminal over REST too, and may not run anything.
      ['POST', `${t}/execute`, `${at}/execute`, 403, { command: 'id' }, ErrorCode.Forbidden, TOKENS.viewer],
    ];
    for (const [method, route, path, status, body, code, token] of errors) {
      const answer = await call(method, route, path, status, body, token);
      expect([answer.error.code, answer.error.codeName], JSON.stringify(answer)).toEqual([
        code,
        Object.entries(ErrorCode).find(([, value]) => value === code)?.[0],
      ]);
    }
    const killed = await call('DELETE', t, at, 200);
    expect(killed).toHaveProperty('exitCode');
    const gone = await call('POST', `${t}/execute`, `${at}/execute`, 404, { command: 'true' });
    expect(gone.error.code).toBe(ErrorCode.TerminalNotFound);
    // Every JSON REST route was exercised (the SSE stream and /v1/rpc have their own tests).
    const json = ROUTES.filter((r) => r.doc.response !== 'event-stream' && !r.path.startsWith('/v1/rpc'));
    expect(json.map((r) => `${r.method} ${r.path}`).filter((key) => !checked.has(key))).toEqual([
      'GET /v1/openapi.json',
    ]);
  }, 60_000);

  it("answers POST /v1/rpc as its description says: initialize's response, JSON-RPC error bodies for 400", async () => {
    const { url } = await startHttp();
    const { call } = await described(url);
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'openapi' } },
    };
    expect((await call('POST', '/v1/rpc', '/v1/rpc', 200, initialize)).result).toBeDefined();
    const parse = await call('POST', '/v1/rpc', '/v1/rpc', 400, '{oops');
    expect(parse.error.code).toBe(ErrorCode.ParseError);
    // Without a session, only `initialize`.
    const sessionless = await call('POST', '/v1/rpc', '/v1/rpc', 400, {
      jsonrpc: '2.0',
      id: 7,
      method: '$/ping',
    });
    expect([sessionless.id, sessionless.error.code]).toEqual([7, ErrorCode.InvalidRequest]);
  }, 30_000);

  it('documents the SSE stream as text/event-stream and serves it so', async () => {
    const { url } = await startHttp();
    const { doc, call } = await described(url);
    const id = String((await call('POST', '/v1/terminals', '/v1/terminals', 201, { agentId: 'sse' })).id);
    const op = doc.paths['/v1/terminals/{terminalId}/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/terminals/${id}/stream`, {
      headers: { Authorization: `Bearer ${TOKENS.admin}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
  });
});

describe('HttpServer: REST cancellation', () => {
  it('interrupts a command whose caller hung up', async () => {
    const { url } = await startHttp();
    const auth = { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' };
    const spawned = await fetch(`${url}/v1/terminals`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ agentId: 'hangup' }),
    });
    const id = String(((await spawned.json()) as Json).id);
    const controller = new AbortController();
    const long = fetch(`${url}/v1/terminals/${id}/execute`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'sleep 45' }),
      signal: controller.signal,
    }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    expect(await long).toBeInstanceOf(Error);
    // Commands on one terminal are queued: this one can only run once `sleep 45` has stopped.
    const started = Date.now();
    const next = await fetch(`${url}/v1/terminals/${id}/execute`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ command: 'echo after' }),
    });
    expect(((await next.json()) as Json).stdout).toBe('after\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});
