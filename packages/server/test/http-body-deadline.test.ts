// The deadline every HTTP request's body has (requestBodyTimeoutMs, in place of Node's
// requestTimeout, which the server turns off for the sake of message streams): bodies that arrive
// late but within it are taken, on one kept-alive connection request after request, leaving no
// listener behind on that connection.
import { Agent, request } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { rawSession } from './http-session-harness';
import { startHttp, TOKENS } from './transport-harness';

describe('HTTP request body deadline', () => {
  it('takes late bodies on one kept-alive connection and leaves no listener behind', async () => {
    const { url } = await startHttp({ requestBodyTimeoutMs: 5_000 });
    const raw = await rawSession(url, TOKENS.admin);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const sockets = new Set<unknown>();
    for (let i = 0; i < 15; i++) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: '$/ping', params: {} });
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${url}/v1/rpc`, {
          method: 'POST',
          agent,
          headers: { ...raw.headers, 'Content-Type': 'application/json', 'Content-Length': `${body.length}` },
        });
        req.once('error', reject);
        req.once('socket', (socket) => sockets.add(socket));
        req.once('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        // The head first, the body a moment later: the request is not whole when dispatched.
        req.flushHeaders();
        setTimeout(() => req.end(body), 15);
      });
      expect(status).toBe(202);
    }
    expect(sockets.size).toBe(1);
    // Each late body set a deadline; a listener left on the connection per request would pass
    // Node's limit of 10 and warn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
