// What an HTTP request meets before its route: browser origins (403), POSTs that are not JSON
// (415), wrong methods on known paths (405 + Allow), and `/v1/rpc` bodies that are not JSON-RPC
// (400 with a JSON-RPC error body). The origin and content-type checks matter most for a server
// without tokens: they are what keeps a web page on another site from driving it.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { startHttp, testOrchestrator } from './transport-harness';

/** A server with no tokens: every request is admin, as `HttpServer` allows on loopback. */
function tokenless(allowedOrigins?: string[]) {
  return startHttp({ auth: undefined, principal: { kind: 'admin' }, allowedOrigins });
}

async function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('HttpServer: cross-site requests without tokens', () => {
  it('refuses a text/plain POST (a "simple" cross-site request) with 415 and runs nothing', async () => {
    const orch = testOrchestrator();
    const { url } = await startHttp({ auth: undefined, principal: { kind: 'admin' }, orchestrator: orch });
    const plain = await send(
      `${url}/v1/terminals`,
      'POST',
      { 'Content-Type': 'text/plain' },
      '{"agentId":"x"}',
    );
    expect([plain.status, (plain.body.error as { code: number }).code]).toEqual([
      415,
      ErrorCode.InvalidRequest,
    ]);
    const none = await send(`${url}/v1/rpc`, 'POST', {}, '{"jsonrpc":"2.0","id":1,"method":"terminal.list"}');
    expect(none.status).toBe(415);
    expect(orch.listTerminals()).toEqual([]);
    const json = await send(
      `${url}/v1/terminals`,
      'POST',
      { 'Content-Type': 'application/json; charset=utf-8' },
      '{"agentId":"x"}',
    );
    expect(json.status).toBe(201);
  });

  it('refuses requests from browser origins not on the allowlist with 403', async () => {
    const { url, orch } = await tokenless(['https://app.example']);
    const evil = await send(
      `${url}/v1/terminals`,
      'POST',
      { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      '{"agentId":"x"}',
    );
    expect([evil.status, (evil.body.error as { code: number }).code]).toEqual([403, ErrorCode.Forbidden]);
    expect((await send(`${url}/v1/terminals`, 'GET', { Origin: 'https://evil.example' })).status).toBe(403);
    expect(orch.listTerminals()).toEqual([]);
    const listed = await send(`${url}/v1/terminals`, 'GET', { Origin: 'https://app.example' });
    expect(listed.status).toBe(200);
  });

  it('allows no browser origin by default', async () => {
    const { url } = await tokenless();
    expect((await send(`${url}/v1/health`, 'GET', { Origin: 'http://localhost:3000' })).status).toBe(403);
    expect((await send(`${url}/v1/health`, 'GET')).status).toBe(200);
  });
});

describe('HttpServer: methods and JSON-RPC bodies', () => {
  it('answers a wrong method on a known route with 405 and Allow', async () => {
    const { url } = await startHttp();
    const put = await send(`${url}/v1/terminals`, 'PUT');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    const post = await send(
      `${url}/v1/terminals/abc/snapshot`,
      'POST',
      { 'Content-Type': 'application/json' },
      '{}',
    );
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
    expect((await send(`${url}/v1/nothing-here`, 'GET')).status).toBe(404);
  });

  it('answers a /v1/rpc body that is not JSON with a JSON-RPC ParseError', async () => {
    const { url } = await startHttp();
    const headers = {
      Authorization: 'Bearer admin-token-0123456789abcdef',
      'Content-Type': 'application/json',
    };
    const bad = await send(`${url}/v1/rpc`, 'POST', headers, '{oops');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.ParseError } });
    const scalar = await send(`${url}/v1/rpc`, 'POST', headers, '42');
    expect(scalar.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: ErrorCode.InvalidRequest },
    });
    // Without a session, only `initialize` (which creates one) is accepted.
    const sessionless = await send(
      `${url}/v1/rpc`,
      'POST',
      headers,
      '{"jsonrpc":"2.0","id":7,"method":"$/ping"}',
    );
    expect(sessionless.status).toBe(400);
    expect(sessionless.body).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      error: { code: ErrorCode.InvalidRequest },
    });
  });

  it('refuses a JSON body declared in a charset other than UTF-8 with 415', async () => {
    const orch = testOrchestrator();
    const { url } = await startHttp({ auth: undefined, principal: { kind: 'admin' }, orchestrator: orch });
    const latin1 = await send(
      `${url}/v1/terminals`,
      'POST',
      { 'Content-Type': 'application/json; charset=ISO-8859-1' },
      '{"agentId":"x"}',
    );
    expect([latin1.status, (latin1.body.error as { code: number }).code]).toEqual([
      415,
      ErrorCode.InvalidRequest,
    ]);
    expect((latin1.body.error as { message: string }).message).toMatch(
      /UTF-8 JSON \(got charset 'iso-8859-1'\)/,
    );
    expect(orch.listTerminals()).toEqual([]);
    const quoted = await send(
      `${url}/v1/terminals`,
      'POST',
      { 'Content-Type': 'application/json; charset="UTF-8"' },
      '{"agentId":"x"}',
    );
    expect(quoted.status).toBe(201);
  });
});
