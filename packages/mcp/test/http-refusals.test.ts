// The HTTP handler's own refusals, in process on a plain node:http server: a 2025-era request
// without a session that is not `initialize` (400), a body over the size bound (413, unread past
// it), and `initialize` once `maxSessions` sessions are open and busy (503; an idle one makes room).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CommandReport,
  createMcpHttpHandler,
  createMcpServer,
  directConnector,
  MAX_MCP_BODY_BYTES,
  type McpNodeHandler,
  type OrchflowMcpServer,
} from '../src';
import { orchestrator, structured } from './helpers';
import { HEADERS, twoTokenHandler, type Who } from './two-tokens';

const initialize = (name: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name, version: '1' } },
  });

describe('MCP HTTP handler refusals', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  let mcp: OrchflowMcpServer;
  let handler: McpNodeHandler;
  let http: Server;
  let url: string;

  beforeAll(async () => {
    orch = await orchestrator();
    mcp = createMcpServer({ connect: directConnector(orch), maxSessions: 1 });
    handler = createMcpHttpHandler(mcp);
    http = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  }, 60_000);
  afterAll(async () => {
    await handler?.close();
    await new Promise((resolve) => http?.close(resolve));
    await mcp?.close();
    await orch?.shutdown();
  }, 60_000);

  const post = async (body: string | Uint8Array) => {
    const response = await fetch(url, { method: 'POST', headers: HEADERS, body });
    return {
      status: response.status,
      text: await response.text(),
      session: response.headers.get('mcp-session-id'),
    };
  };

  it('answers 400 to a 2025-era request that is neither initialize nor in a session', async () => {
    const listed = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }));
    expect(listed.status).toBe(400);
    expect(listed.text).toContain('send initialize first');
  });

  it('answers 413 to a body over the bound', async () => {
    const big = await post(new Uint8Array(MAX_MCP_BODY_BYTES + 1).fill(0x20));
    expect(big.status).toBe(413);
    expect(big.text).toContain(`Request body over ${MAX_MCP_BODY_BYTES} bytes`);
  });

  it('makes room by ending the least recently used idle session, and answers 503 when all are busy', async () => {
    const first = await post(initialize('first'));
    expect(first.status).toBe(200);
    expect(first.session).toBeTruthy();
    // The table (maxSessions 1) is full: the idle first session makes room for this client.
    const client = new Client({ name: 'busy', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      const gone = await fetch(url, {
        method: 'POST',
        headers: { ...HEADERS, 'mcp-session-id': first.session ?? '', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
      expect(gone.status).toBe(404);
      await gone.body?.cancel();
      // A command still running keeps this session: nothing can make room now.
      const running = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: 'sleep 30', yield_ms: 200 } }),
      );
      expect(running.status).toBe('running');
      const refused = await post(initialize('third'));
      expect(refused.status).toBe(503);
      expect(refused.text).toContain('already serves 1 sessions, all of them busy');
    } finally {
      await client.close();
    }
  });
});

/** A table of two sessions shared by two tokens. */
async function sharedTable() {
  const table = await twoTokenHandler({ maxSessions: 2 });
  const open = async (who: Who, name: string) => {
    const opened = await table.initializeAs(who, name);
    expect(opened.status).toBe(200);
    return opened.session;
  };
  return { ...table, open };
}

describe('MCP HTTP sessions shared between tokens', { timeout: 60_000 }, () => {
  it("a token that keeps initializing ends its own idle sessions, never another token's", async () => {
    const { open, listTools } = await sharedTable();
    await open('mallory', 'm1');
    await open('mallory', 'm2');
    // Full: mallory holds both, so alice's initialize ends mallory's least recently used one.
    const alice = await open('alice', 'a1');
    for (let i = 3; i < 8; i++) await open('mallory', `m${i}`);
    expect(await listTools('alice', alice)).toBe(200);
  });

  it("a token whose own sessions are all busy is refused, not given another token's idle one", async () => {
    const { url, initializeAs, open, listTools } = await sharedTable();
    const alice = await open('alice', 'a-idle');
    const client = new Client({ name: 'm-busy', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-who': 'mallory' } } }),
    );
    try {
      const running = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: 'sleep 30', yield_ms: 100 } }),
      );
      expect(running.status).toBe('running');
      // Full (alice idle, mallory busy): mallory would hold two, alice one; mallory has none idle.
      expect((await initializeAs('mallory', 'm2')).status).toBe(503);
      expect(await listTools('alice', alice)).toBe(200);
      // alice makes room by ending her own idle session.
      expect((await initializeAs('alice', 'a2')).status).toBe(200);
    } finally {
      await client.close();
    }
  });
});
