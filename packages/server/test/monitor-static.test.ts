// Serving the monitor's files under /ui: /ui redirected to /ui/, the index there, content types, ETag
// revalidation for the page and immutable caching for hashed assets, the page's security headers
// (CSP, nosniff, no-referrer, no framing) on every answer, and nothing outside the assets dir:
// `..` raw or encoded, hidden files, directories and symlinks out of it are all 404.
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { HttpServer } from '../src/http/http-server';
import { APP_JS, fakeMonitorBuild, INDEX_HTML, rawRequest, SECRET, startMonitor } from './monitor-harness';
import { testOrchestrator } from './transport-harness';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; " +
  "frame-ancestors 'none'";

function expectPageHeaders(headers: Headers | Record<string, string | string[] | undefined>): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]);
  expect(get('content-security-policy')).toBe(CSP);
  expect(get('x-content-type-options')).toBe('nosniff');
  expect(get('referrer-policy')).toBe('no-referrer');
  expect(get('x-frame-options')).toBe('DENY');
}

describe('monitor static files', () => {
  it("sends /ui to /ui/, where the page's relative asset URLs resolve, keeping the query", async () => {
    const { url } = await startMonitor();
    for (const [path, location] of [
      ['/ui', 'ui/'],
      ['/ui?x=1&y=2', 'ui/?x=1&y=2'],
    ] as const) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await rawRequest(url, path, { method });
        expect(answer.status, `${method} ${path}`).toBe(308);
        expect(answer.headers.location).toBe(location);
        expect(new URL(location, `${url}${path}`).href).toBe(`${url}/ui/${location.slice(3)}`);
        expectPageHeaders(answer.headers);
      }
    }
    // A browser (fetch) follows it to the page.
    const followed = await fetch(`${url}/ui`);
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${url}/ui/`);
    expect(await followed.text()).toBe(INDEX_HTML);
  });

  it('serves index.html for /ui/ with the CSP and security headers, revalidated by ETag', async () => {
    const { url } = await startMonitor();
    for (const path of ['/ui/', '/ui/index.html', '/ui/?x=1']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expectPageHeaders(response.headers);
      expect(await response.text()).toBe(INDEX_HTML);
    }
    const first = await fetch(`${url}/ui/`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const again = await fetch(`${url}/ui/`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expectPageHeaders(again.headers);
    const head = await fetch(`${url}/ui/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(INDEX_HTML)));
  });

  it('serves hashed assets with their content type, cached as immutable', async () => {
    const { url } = await startMonitor();
    const script = await fetch(`${url}/ui/assets/app-3f9a.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectPageHeaders(script.headers);
    expect(await script.text()).toBe(APP_JS);
    const style = await fetch(`${url}/ui/assets/app-3f9a.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 JSON for anything outside the assets dir or not a plain file', async () => {
    const { url } = await startMonitor();
    const paths = [
      '/ui/../package.json',
      '/ui/assets/../../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2E%2E/%2E%2E/package.json',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/leak.txt', // a symlink to ../secret.txt
      '/ui/up/secret.txt', // a symlink to the dir above
      '/ui/.env',
      '/ui/assets',
      '/ui/assets/',
      '/ui//etc/passwd',
      '/ui/%2fetc%2fpasswd',
      '/ui/index.html%00.js',
      '/ui/%zz',
      '/ui/missing.js',
    ];
    for (const path of paths) {
      const answer = await rawRequest(url, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(answer.text).error.code).toBe(ErrorCode.MethodNotFound);
      expect(answer.text).not.toContain(SECRET);
      expectPageHeaders(answer.headers);
    }
  });

  it('serves files with GET and HEAD only', async () => {
    const { url } = await startMonitor();
    const answer = await fetch(`${url}/ui/index.html`, {
      method: 'DELETE',
      headers: { Origin: url },
    });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
  });

  it('fails to start when the assets dir holds no index.html', async () => {
    const { root } = await fakeMonitorBuild();
    const server = new HttpServer({
      orchestrator: testOrchestrator(),
      principal: { kind: 'admin' },
      ui: { assetsDir: root },
    });
    await expect(server.start()).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('leaves /ui unserved without the ui option', async () => {
    const server = new HttpServer({ orchestrator: testOrchestrator(), principal: { kind: 'admin' } });
    const { url } = await server.start();
    try {
      expect((await fetch(`${url}/ui/`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
