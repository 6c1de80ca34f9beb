import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PAGE_KEY_STORAGE_ITEM,
  pageKeyProtocol,
  pageKeyStore,
  SessionApi,
  SessionError,
  websocketUrl,
} from '../src/app/lib/session-api';

/** A stand-in for the server's /ui endpoints on a real socket, recording what the page sent. */
async function fakeUi(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}/ui/` };
}

describe('SessionApi', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    closing.closeAllConnections();
    await new Promise((resolve) => closing.close(resolve));
  });

  it("learns the server's clock offset from the session answer's Date header", async () => {
    const ahead = 7 * 60_000;
    const ui = await fakeUi((_req, _body, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        date: new Date(Date.now() + ahead).toUTCString(),
      });
      res.end(JSON.stringify({ principal: { kind: 'viewer', name: 'eve' } }));
    });
    server = ui.server;
    const api = new SessionApi(ui.base, (input, init) => fetch(input, init));
    expect(api.clockOffsetMs).toBe(0);
    await api.session();
    expect(Math.abs(api.clockOffsetMs - ahead)).toBeLessThan(1_500);
  });

  it('reads the principal of a valid session and undefined for 401', async () => {
    let valid = true;
    const ui = await fakeUi((req, _body, res) => {
      expect(req.url).toBe('/ui/session');
      res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(valid ? { principal: { kind: 'viewer', name: 'eve' } } : { error: 'no session' }),
      );
    });
    server = ui.server;
    const api = new SessionApi(ui.base, fetch);
    expect(await api.session()).toEqual({ kind: 'viewer', name: 'eve' });
    valid = false;
    expect(await api.session()).toBeUndefined();
  });

  it('posts a token or a code as JSON to /ui/login and reports a refusal as SessionError 401', async () => {
    const posted: string[] = [];
    const ui = await fakeUi((req, body, res) => {
      expect([req.method, req.url, req.headers['content-type']]).toEqual([
        'POST',
        '/ui/login',
        'application/json',
      ]);
      posted.push(body);
      res.writeHead(JSON.parse(body).token === 'good' ? 204 : 401);
      res.end();
    });
    server = ui.server;
    const api = new SessionApi(ui.base, fetch);
    await api.login({ token: 'good' });
    await expect(api.login({ code: 'used' })).rejects.toMatchObject({ name: 'SessionError', status: 401 });
    expect(posted).toEqual(['{"token":"good"}', '{"code":"used"}']);
  });

  it('logs out with a JSON POST to /ui/logout', async () => {
    const seen: unknown[] = [];
    const ui = await fakeUi((req, body, res) => {
      seen.push([req.method, req.url, req.headers['content-type'], body]);
      res.writeHead(req.headers['content-type'] === 'application/json' ? 204 : 415);
      res.end();
    });
    server = ui.server;
    await new SessionApi(ui.base, fetch).logout();
    expect(seen).toEqual([['POST', '/ui/logout', 'application/json', '{}']]);
  });

  it('turns a server error into a SessionError carrying its status and message', async () => {
    const ui = await fakeUi((_req, _body, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Origin not allowed' } }));
    });
    server = ui.server;
    const error = await new SessionApi(ui.base, fetch).logout().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ status: 403, message: 'Logging out failed: 403 Origin not allowed' });
  });

  it('keeps the page key the login answers and sends it beside the cookie until logout', async () => {
    const seen: (string | undefined)[] = [];
    const ui = await fakeUi((req, _body, res) => {
      seen.push(`${req.url} ${req.headers['orchflow-page-key'] ?? '-'}`);
      if (req.url === '/ui/login') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ pageKey: 'k3y' }));
      } else if (req.url === '/ui/session') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ principal: { kind: 'admin' } }));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
    server = ui.server;
    const api = new SessionApi(ui.base, fetch);
    await api.session();
    await api.login({ token: 'good' });
    expect(api.pageKeys.get()).toBe('k3y');
    await api.session();
    await api.logout();
    expect(api.pageKeys.get()).toBeUndefined();
    await api.session();
    expect(seen).toEqual([
      '/ui/session -',
      '/ui/login -',
      '/ui/session k3y',
      '/ui/logout k3y',
      '/ui/session -',
    ]);
  });

  it('reports an unreachable server as status 0', async () => {
    const ui = await fakeUi(() => undefined);
    await new Promise((resolve) => ui.server.close(resolve));
    await expect(new SessionApi(ui.base, fetch).session()).rejects.toMatchObject({ status: 0 });
  });
});

describe('pageKeyStore', () => {
  it("keeps the key in the origin's storage, and in memory where storage refuses", () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (name: string) => items.get(name) ?? null,
      setItem: (name: string, value: string) => void items.set(name, value),
      removeItem: (name: string) => void items.delete(name),
    };
    const store = pageKeyStore(storage);
    store.set('abc');
    expect(items.get(PAGE_KEY_STORAGE_ITEM)).toBe('abc');
    // Another tab's store over the same storage sees it.
    expect(pageKeyStore(storage).get()).toBe('abc');
    store.set(undefined);
    expect(items.has(PAGE_KEY_STORAGE_ITEM)).toBe(false);
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => undefined,
    };
    const fallback = pageKeyStore(refusing);
    fallback.set('mem');
    expect(fallback.get()).toBe('mem');
    expect(pageKeyProtocol('mem')).toBe('orchflow.page-key.mem');
  });
});

describe('websocketUrl', () => {
  it('is ws beside the page, ws: for http and wss: for https, without fragment or query', () => {
    expect(websocketUrl('http://127.0.0.1:7778/ui/')).toBe('ws://127.0.0.1:7778/ui/ws');
    expect(websocketUrl('https://example.test/ui/?x=1#code=abc')).toBe('wss://example.test/ui/ws');
  });
});
