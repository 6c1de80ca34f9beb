// CORS as a browser meets it: a page on an allowed origin gets a preflight answer (without a
// token: browsers send none on preflight) naming the routed methods and the headers orchflow's
// clients send, and its real requests — errors included — carry the origin and expose
// `Orchflow-Session`. Any other origin, and every origin by default, is refused with 403 and no
// CORS header, before anything runs.
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { startHttp, TOKENS } from './transport-harness';

const APP = 'https://app.example';
const EVIL = 'https://evil.example';

function preflight(url: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'authorization, content-type, orchflow-session, last-event-id',
    },
  });
}

function list(header: string | null): string[] {
  return (header ?? '').split(',').map((item) => item.trim().toLowerCase());
}

describe('HttpServer: CORS for allowed origins', () => {
  it('answers a preflight with the routed methods and the client headers, before auth', async () => {
    const { url } = await startHttp({ allowedOrigins: [APP] });
    const answer = await preflight(`${url}/v1/terminals`, APP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list(answer.headers.get('access-control-allow-methods')).sort()).toEqual(['get', 'post']);
    expect(list(answer.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'orchflow-session', 'last-event-id']),
    );
    expect(Number(answer.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    const rpc = await preflight(`${url}/v1/rpc`, APP, 'DELETE');
    expect(list(rpc.headers.get('access-control-allow-methods')).sort()).toEqual(['delete', 'get', 'post']);
    // A preflight for a path the server does not serve is not answered as if it were.
    const unknown = await preflight(`${url}/v1/nothing`, APP);
    expect(unknown.status).toBe(404);
  });

  it('lets an allowed page read answers, errors and the session header', async () => {
    const { url, orch } = await startHttp({ allowedOrigins: [APP] });
    const listed = await fetch(`${url}/v1/terminals`, {
      headers: { Origin: APP, Authorization: `Bearer ${TOKENS.admin}` },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list(listed.headers.get('vary'))).toContain('origin');
    // An error must be readable too, or the page sees only "network error".
    const refused = await fetch(`${url}/v1/terminals`, { headers: { Origin: APP } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.Unauthorized);
    // Starting an HTTP session: the page must be able to read Orchflow-Session.
    const session = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { Origin: APP, Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'page' } },
      }),
    });
    expect(session.status).toBe(200);
    expect(session.headers.get('orchflow-session')).toBeTruthy();
    expect(list(session.headers.get('access-control-expose-headers'))).toContain('orchflow-session');
    await fetch(`${url}/v1/rpc`, {
      method: 'DELETE',
      headers: {
        Authorization: `Bearer ${TOKENS.admin}`,
        'Orchflow-Session': String(session.headers.get('orchflow-session')),
      },
    });
    expect(orch.listTerminals()).toEqual([]);
  });

  it('names the calling origin, never *, when every origin is allowed', async () => {
    const { url } = await startHttp({ allowedOrigins: ['*'] });
    const answer = await preflight(`${url}/v1/terminals`, 'http://localhost:5173');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('adds no CORS header to requests without an Origin (curl, scripts)', async () => {
    const { url } = await startHttp({ allowedOrigins: [APP] });
    const health = await fetch(`${url}/v1/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('HttpServer: CORS for other origins', () => {
  it('refuses preflights and requests from origins not on the list with 403 and no CORS header', async () => {
    const { url, orch } = await startHttp({ allowedOrigins: [APP] });
    const answer = await preflight(`${url}/v1/terminals`, EVIL);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const post = await fetch(`${url}/v1/terminals`, {
      method: 'POST',
      headers: { Origin: EVIL, Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agentId: 'evil' }),
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await post.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.Forbidden);
    expect(orch.listTerminals()).toEqual([]);
  });

  it('allows no origin by default', async () => {
    const { url } = await startHttp();
    const answer = await preflight(`${url}/v1/terminals`, APP);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
