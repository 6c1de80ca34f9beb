// The deadline every HTTP request's body has (requestBodyTimeoutMs, in place of Node's
// requestTimeout, which the server turns off for the sake of message streams): bodies that arrive
// late but within it are taken, on one kept-alive connection request after request, leaving no
// listener behind on that connection.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
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

describe('HTTP requests in progress per token', () => {
  it('keeps one token holding slow bodies to its share, so other tokens still get through', async () => {
    // 4 at once in all, so 2 per token (the test authenticator holds several tokens).
    const { url } = await startHttp({ maxConcurrentRequests: 4 });
    // A token's open event streams count against its stream share, not its requests.
    const sessions = [await rawSession(url, TOKENS.alice), await rawSession(url, TOKENS.alice)];
    for (const session of sessions) await session.stream();
    const { hostname, port } = new URL(url);
    const held: Socket[] = [];
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
    });
    const slowPost = (token: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(
            `POST /v1/terminals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
            () => resolve(),
          );
        });
        socket.on('error', () => undefined);
        held.push(socket);
      });
    await slowPost(TOKENS.alice);
    await slowPost(TOKENS.alice);
    const list = (token: string) =>
      fetch(`${url}/v1/terminals`, { headers: { Authorization: `Bearer ${token}` } });
    // Alice's third request waits for one of hers; Bob's goes through.
    const alice = await list(TOKENS.alice);
    expect(alice.status).toBe(429);
    expect(((await alice.json()) as { error: { message: string } }).error.message).toContain(
      'This token already holds 2 requests in progress',
    );
    expect((await list(TOKENS.bob)).status).toBe(200);
    // A health probe that happens to send her token is not charged to her.
    expect(
      (await fetch(`${url}/v1/health`, { headers: { Authorization: `Bearer ${TOKENS.alice}` } })).status,
    ).toBe(200);
    // Her slots come back when those requests end.
    for (const socket of held) socket.destroy();
    await expect.poll(async () => (await list(TOKENS.alice)).status).toBe(200);
  });
});
