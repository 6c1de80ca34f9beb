// The page's security: a read-only viewer sees the grid and no controls, and the server refuses
// the control calls whatever the page shows; requests from another site's pages are refused.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, PROTOCOL_VERSION } from '@orchflow/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login, newContext, TOKENS, tile, useMonitor, waitForText } from './harness';

const m = useMonitor();

/** Sends one JSON-RPC request over the page's own session's WebSocket, from inside the page. */
function callFromPage(
  p: Page,
  method: string,
  params: unknown,
): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  return p.evaluate(
    async ([rpcMethod, rpcParams, version]) => {
      const url = new URL('ws', location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      // As the page connects: the session cookie plus the page key the login left in localStorage.
      const key = localStorage.getItem('orchflow-monitor-page-key');
      const socket = new WebSocket(url, ['orchflow.v1', `orchflow.page-key.${key}`]);
      const replies = new Map<number, (reply: unknown) => void>();
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as { id?: number };
        if (typeof message.id === 'number') replies.get(message.id)?.(message);
      };
      await new Promise((opened, failed) => {
        socket.onopen = opened;
        socket.onerror = failed;
      });
      const call = (id: number, name: string, args: unknown) =>
        new Promise<unknown>((answer) => {
          replies.set(id, answer);
          socket.send(JSON.stringify({ jsonrpc: '2.0', id, method: name, params: args }));
        });
      await call(1, 'initialize', { protocolVersion: version, clientInfo: { name: 'e2e-page' } });
      const reply = await call(2, rpcMethod as string, rpcParams);
      socket.close();
      return reply as { result?: unknown; error?: { code: number; message: string } };
    },
    [method, params, PROTOCOL_VERSION] as const,
  );
}

/** The status a WebSocket upgrade of `/ui/ws` with `headers` gets (101: it became a WebSocket). */
function upgradeStatus(base: string, headers: Record<string, string>): Promise<number> {
  return new Promise<number>((resolveStatus, reject) => {
    const req = request(`${base}/ui/ws`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolveStatus(101);
    });
    req.on('response', (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a read-only viewer', () => {
  it('sees the grid and the output, but no controls and no take-over', async () => {
    const terminal = await m.agent.spawnTerminal('agent-watched');
    await terminal.execute('echo watched-$((1+1))');
    await login(m.page, m.served, TOKENS.viewer);
    const id = terminal.info().id;
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'watched-2');
    expect(await m.page.getByTestId('controls').count()).toBe(0);
    expect(await m.page.getByTestId('emergency-stop').count()).toBe(0);
    await m.page.locator(tile(id)).click();
    await m.page.getByTestId('focus-view').waitFor();
    expect(await m.page.getByTestId('take-over').count()).toBe(0);
  });

  it('is refused every control call by the server, over its own session', async () => {
    const terminal = await m.agent.spawnTerminal('agent-guarded');
    await login(m.page, m.served, TOKENS.viewer);
    for (const [method, params] of [
      ['orchestrator.killAll', {}],
      ['orchestrator.pauseAll', {}],
      ['terminal.execute', { terminalId: terminal.info().id, command: 'echo no' }],
      ['terminal.write', { terminalId: terminal.info().id, data: 'echo no\n' }],
      ['terminal.floor.take', { terminalId: terminal.info().id }],
    ] as const) {
      const reply = await callFromPage(m.page, method, params);
      expect(reply.error?.code, `${method}: ${JSON.stringify(reply)}`).toBe(ErrorCode.Forbidden);
    }
    expect((await m.agent.listTerminals({ agentId: 'agent-guarded' }))[0]?.state).toBe('running');
  });
});

describe("an agent token's session", () => {
  it('sees its terminals but is offered no take-over (keystrokes at the floor are for admins)', async () => {
    const terminal = await m.agent.spawnTerminal('agent-own');
    await terminal.execute('echo own-$((2+3))');
    await login(m.page, m.served, TOKENS.agent);
    const id = terminal.info().id;
    await waitForText(m.page, `${tile(id)} [data-testid="tile-output"]`, 'own-5');
    await m.page.locator(tile(id)).click();
    await m.page.getByTestId('focus-view').waitFor();
    expect(await m.page.getByTestId('take-over').count()).toBe(0);
    expect(await m.page.getByTestId('hand-back').count()).toBe(0);
  });
});

describe('the one-time login link', () => {
  it('logs in once, keeps the code out of the address bar, and is refused the second time', async () => {
    const link = m.served.loginUrl;
    expect(link).toMatch(/\/ui\/#code=/);
    await m.page.goto(link as string);
    await m.page.getByTestId('grid').waitFor();
    expect(m.page.url()).not.toContain('code=');
    expect(await m.page.getByTestId('controls').count()).toBe(1);

    const other = await newContext(m.browser);
    const again = await other.newPage();
    await again.goto(link as string);
    await again.getByTestId('login-form').waitFor();
    expect(await again.getByTestId('grid').count()).toBe(0);
    await other.close();
  });
});

describe('another site', () => {
  it('cannot log in from a foreign Origin', async () => {
    const response = await fetch(`${m.served.url}/ui/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: JSON.stringify({ token: TOKENS.admin }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('cannot open the WebSocket with a logged-in cookie from a foreign Origin', async () => {
    await login(m.page, m.served, TOKENS.admin);
    const cookies = await m.context.cookies(`${m.served.url}/ui/`);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect(cookie).toContain('orchflow_session=');
    const key = await m.page.evaluate(() => localStorage.getItem('orchflow-monitor-page-key'));
    const upgrade = (origin: string) =>
      upgradeStatus(m.served.url, {
        'Sec-WebSocket-Protocol': `orchflow.v1, orchflow.page-key.${key}`,
        Origin: origin,
        Cookie: cookie,
      });
    expect(await upgrade('http://evil.example')).toBe(403);
    // The same cookie from the page's own origin is let in: the refusal above is the Origin's.
    expect(await upgrade(m.served.url)).toBe(101);
  });

  it('serves the page under a strict Content-Security-Policy', async () => {
    const response = await fetch(`${m.served.url}/ui/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe('a server on another port of this host', () => {
  it('is sent the session cookie, but the cookie alone opens neither the session nor the WebSocket', async () => {
    await login(m.page, m.served, TOKENS.admin);
    // A dev server an agent started on loopback, which the person opens (or follows a link to):
    // cookies ignore ports, so the browser sends it the monitor's cookie for any /ui/… path.
    const received: string[] = [];
    const devServer = createServer((req, res) => {
      if (req.headers.cookie) received.push(req.headers.cookie);
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(req.url === '/' ? '<h1>dev server</h1><img src="/ui/pixel.png">' : '');
    });
    await new Promise<void>((listening) => devServer.listen(0, '127.0.0.1', listening));
    try {
      const devUrl = `http://127.0.0.1:${(devServer.address() as AddressInfo).port}/`;
      const tab = await m.context.newPage();
      await tab.goto(devUrl);
      await expect.poll(() => received.join('; '), { timeout: 10_000 }).toContain('orchflow_session=');
      const stolen =
        received
          .join('; ')
          .split(';')
          .map((pair) => pair.trim())
          .find((pair) => pair.startsWith('orchflow_session=')) ?? '';
      // The page key is in the monitor origin's storage, which a page on another port cannot read.
      expect(await tab.evaluate(() => localStorage.getItem('orchflow-monitor-page-key'))).toBeNull();
      // Replayed with the monitor's Origin, as any program can send it: refused.
      const session = await fetch(`${m.served.url}/ui/session`, {
        headers: { Origin: m.served.url, Cookie: stolen },
      });
      expect(session.status).toBe(401);
      expect(await upgradeStatus(m.served.url, { Origin: m.served.url, Cookie: stolen })).toBe(401);
      expect(
        await upgradeStatus(m.served.url, {
          Origin: m.served.url,
          Cookie: stolen,
          'Sec-WebSocket-Protocol': 'orchflow.v1',
        }),
      ).toBe(401);
      // The person's own page still has its session (cookie and key).
      const own = await m.page.evaluate(async () => {
        const key = localStorage.getItem('orchflow-monitor-page-key') ?? '';
        return (await fetch('session', { headers: { 'orchflow-page-key': key } })).status;
      });
      expect(own).toBe(200);
      const reply = await callFromPage(m.page, 'orchestrator.resumeAll', {});
      expect(reply.error, JSON.stringify(reply)).toBeUndefined();
    } finally {
      devServer.closeAllConnections();
      await new Promise((closed) => devServer.close(closed));
    }
  });
});

describe('a session that ends while its page is open', () => {
  it('shows the login form within seconds, not after every reconnect attempt failed', async () => {
    await login(m.page, m.served, TOKENS.admin);
    // A second tab of the same browser shares the session cookie; logging out there ends it.
    const other = await m.context.newPage();
    await other.goto(`${m.served.url}/ui/`);
    await other.getByTestId('grid').waitFor();
    await other.getByRole('button', { name: 'Log out' }).click();
    const t0 = Date.now();
    await m.page.getByTestId('login-form').waitFor({ timeout: 15_000 });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(await m.page.getByRole('alert').textContent()).toContain('session ended');
  });
});
