// The monitor's WebSocket at /ui/ws on the HTTP listener: the upgrade needs the session cookie and
// the page's own Origin (cross-site WebSocket hijacking is refused before the upgrade), the
// connection is the session's principal whatever `initialize` says, it is a full orchflow
// connection (same protocol as any WebSocket client), and logging out closes it.
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  login,
  openRaw,
  page,
  pageClient,
  startMonitor,
  upgradeStatus,
  VIEWER_TOKEN,
} from './monitor-harness';
import { TOKENS } from './transport-harness';

describe('monitor WebSocket /ui/ws', () => {
  it('refuses an upgrade without a session, from another origin, without an Origin, or elsewhere', async () => {
    const { url } = await startMonitor();
    const cookie = await login(url, { token: TOKENS.admin });
    expect(await upgradeStatus(url, { Origin: url })).toBe(401);
    expect(await upgradeStatus(url, { Origin: url, Cookie: 'orchflow_session=forged' })).toBe(401);
    // A bearer token is not a session: the page's socket needs the cookie.
    expect(await upgradeStatus(url, { Origin: url, Authorization: `Bearer ${TOKENS.admin}` })).toBe(401);
    // Cross-site WebSocket hijacking: the browser sends the cookie, the Origin gives it away.
    expect(await upgradeStatus(url, { Origin: 'https://evil.example', Cookie: cookie })).toBe(403);
    const otherPort = url.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`);
    expect(await upgradeStatus(url, { Origin: otherPort, Cookie: cookie })).toBe(403);
    expect(await upgradeStatus(url, { Cookie: cookie })).toBe(403);
    const elsewhere = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/rpc`, {
        headers: { Origin: url, Cookie: cookie },
      });
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('error', () => resolve(-1));
    });
    expect(elsewhere).toBe(404);
    // A plain GET (no upgrade) is told what the path is for.
    const plain = await page(url, 'GET', '/ui/ws', undefined, { Cookie: cookie });
    expect(plain.status).toBe(426);
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie })).toBe(101);
  });

  it('gives the page a working client as the session principal, no token needed', async () => {
    const { url } = await startMonitor();
    const admin = await pageClient(url, await login(url, { token: TOKENS.admin }));
    expect(admin.principal).toEqual({ kind: 'admin', name: 'ops' });
    const terminal = await admin.spawnTerminal('alice-1');
    expect((await terminal.execute('echo from-the-page')).stdout).toBe('from-the-page\n');
    const agent = await pageClient(url, await login(url, { token: TOKENS.alice }));
    expect(agent.principal).toMatchObject({ kind: 'agent', name: 'alice' });
    await expect(agent.spawnTerminal('bob-1')).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect((await agent.listTerminals()).map((t) => t.id)).toEqual([terminal.id]);
  });

  it('gives a viewer session a read-only connection', async () => {
    const { url } = await startMonitor();
    const admin = await pageClient(url, await login(url, { token: TOKENS.admin }));
    const terminal = await admin.spawnTerminal('worker');
    const viewer = await pageClient(url, await login(url, { token: VIEWER_TOKEN }));
    expect(viewer.principal).toEqual({ kind: 'viewer', name: 'watcher' });
    expect((await viewer.listTerminals()).map((t) => t.id)).toEqual([terminal.id]);
    await expect(viewer.spawnTerminal('worker')).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(viewer.killAll()).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it("keeps the session's principal whatever token initialize presents", async () => {
    const { url } = await startMonitor();
    const cookie = await login(url, { token: VIEWER_TOKEN });
    const raw = await openRaw(url, { Origin: url, Cookie: cookie });
    raw.socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'raw' }, token: TOKENS.admin },
      }),
    );
    expect(await raw.next()).toMatchObject({ result: { principal: { kind: 'viewer', name: 'watcher' } } });
    raw.socket.terminate();
  });

  it("closes the session's sockets on logout, and only that session's", async () => {
    const { url, server } = await startMonitor();
    const cookie = await login(url, { token: TOKENS.admin });
    const other = await pageClient(url, await login(url, { token: TOKENS.admin }));
    const raw = await openRaw(url, { Origin: url, Cookie: cookie });
    expect(server.stats().monitorConnections).toBe(2);
    expect((await page(url, 'POST', '/ui/logout', {}, { Cookie: cookie })).status).toBe(204);
    expect(await raw.closed).toEqual({ code: 1008, reason: 'session ended' });
    expect(await upgradeStatus(url, { Origin: url, Cookie: cookie })).toBe(401);
    expect((await other.listTerminals()).length).toBe(0);
  });

  it('closes its sockets when the server stops', async () => {
    const { url, server } = await startMonitor();
    const raw = await openRaw(url, { Origin: url, Cookie: await login(url, { token: TOKENS.admin }) });
    await server.stop();
    expect((await raw.closed).code).toBeGreaterThanOrEqual(1000);
    expect(server.stats()).toMatchObject({ monitorSessions: 0, monitorConnections: 0 });
  });
});
