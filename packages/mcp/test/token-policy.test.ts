// A token's own policy (`ConnectionPolicy`, bound to its principal by the server's auth) holds
// every MCP client of that token: the embedded connector renames the principal and must carry
// the policy over, and a session is keyed by the policy too, so a token with an equal principal
// but no policy never lands in the restricted token's session (or the other way round).
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ConnectionPolicy } from '@orchflow/core';
import type { Principal } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMcpHttpHandler, createMcpServer, directConnector } from '../src';
import { orchestrator, tempDir, textOf } from './helpers';

const SAME = { kind: 'agent', agentIdPrefix: 'team-' } as const;
const PRINCIPALS: Record<'open' | 'locked', Principal> = {
  open: Object.freeze({ ...SAME }),
  locked: new ConnectionPolicy(SecurityPresets.locked).bind({ ...SAME }),
};
type Who = keyof typeof PRINCIPALS;

/** An MCP handler whose requests carry the principal the `x-who` header names; MCP clients of it. */
async function server() {
  const orch = await orchestrator(SecurityPresets.trusted);
  const mcp = createMcpServer({ connect: directConnector(orch) });
  const handler = createMcpHttpHandler(mcp);
  const http = createServer((req, res) => void handler(req, res, PRINCIPALS[req.headers['x-who'] as Who]));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  const clients: Client[] = [];
  onTestFinished(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await handler.close();
    await new Promise((resolve) => http.close(resolve));
    await mcp.close();
    await orch.shutdown();
  });
  const connect = async (who: Who, name: string) => {
    const client = new Client({ name, version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-who': who } } }),
    );
    clients.push(client);
    return client;
  };
  const run = async (client: Client, command: string) => {
    const result = (await client.callTool({ name: 'terminal_run', arguments: { command } })) as {
      isError?: boolean;
    };
    return { refused: result.isError === true, text: textOf(result) };
  };
  /** A raw 2025-era request as `who`: its status and the session id it was given. */
  const post = async (who: Who, body: object, session?: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-who': who,
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify(body),
    });
    await response.body?.cancel();
    return { status: response.status, session: response.headers.get('mcp-session-id') ?? '' };
  };
  return { connect, run, post };
}

describe("a token's own policy over MCP", { timeout: 60_000 }, () => {
  it('holds the commands an MCP client of that token runs', async () => {
    const { connect, run } = await server();
    const file = join(tempDir(), 'written');
    const locked = await connect('locked', 'agent');
    const touched = await run(locked, `touch ${file}`);
    expect(touched.refused).toBe(true);
    expect(touched.text).toMatch(/connection:/);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps a token with an equal principal but no policy out of the restricted session, and back', async () => {
    const { connect, run } = await server();
    const file = join(tempDir(), 'written');
    const open = await connect('open', 'shared');
    expect((await run(open, 'export SECRET=from-open; echo set')).refused).toBe(false);
    const locked = await connect('locked', 'shared');
    // Before sessions were keyed by the policy, this ran in the open token's session, unrestricted.
    expect((await run(locked, `touch ${file}`)).refused).toBe(true);
    expect(existsSync(file)).toBe(false);
    const echoed = await run(open, 'echo "[$SECRET]"');
    expect(echoed.text).toContain('[from-open]');
  });

  it("answers a 2025 session's id sent with the other token like an unknown one", async () => {
    const { post } = await server();
    const clientInfo = { name: 'legacy', version: '1' };
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo },
    };
    const { status, session } = await post('locked', init);
    expect(status).toBe(200);
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    expect((await post('locked', list, session)).status).toBe(200);
    expect((await post('open', list, session)).status).toBe(404);
  });
});
