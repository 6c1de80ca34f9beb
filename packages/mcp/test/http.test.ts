// `orchflow serve --http 0 --mcp`: MCP over Streamable HTTP on the real server, driven by the
// official v2 client in both eras; the same token auth as the other routes (401 without it),
// Origin and Host validation (403), and one agent id per MCP client.
import { request as httpRequest } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from './cli-harness';
import { runWaitDeny, structured } from './helpers';

const TOKEN = 'mcp-http-test-token-0123456789';
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('orchflow serve --http --mcp', { timeout: 120_000 }, () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe(['--http', '0', '--mcp', '--token', TOKEN]);
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
  }, 60_000);

  async function connect(name: string, options = {}): Promise<Client> {
    const client = new Client({ name, version: '1.0.0' }, options);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      }),
    );
    return client;
  }

  function post(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(serve.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(JSON.stringify(INIT));
    });
  }

  it('refuses requests without the token (401) and with a foreign Origin or Host (403)', async () => {
    expect(await post({})).toBe(401);
    expect(await post({ authorization: 'Bearer wrong-token' })).toBe(401);
    expect(await post({ authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' })).toBe(403);
    expect(await post({ authorization: `Bearer ${TOKEN}`, host: 'evil.example' })).toBe(403);
    expect(await post({ authorization: `Bearer ${TOKEN}` })).toBe(200);
  });

  for (const { era, options } of [
    { era: '2025 (a session of its own)', options: {} },
    { era: '2026-07-28', options: { versionNegotiation: { mode: 'auto' as const } } },
  ]) {
    it(`runs commands, hands back 'running' and picks it up in a later request (${era})`, async () => {
      const client = await connect('http-agent', options);
      try {
        await runWaitDeny(client, 'over');
      } finally {
        await client.close();
      }
    });
  }

  it('gives each MCP client its own agent id (2026-07-28 carries clientInfo on every request)', async () => {
    const negotiate = { versionNegotiation: { mode: 'auto' as const } };
    const alpha = await connect('alpha', negotiate);
    const beta = await connect('beta', negotiate);
    try {
      const a = structured<{ agent_id: string }>(
        'terminal_spawn',
        await alpha.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      const b = structured<{ agent_id: string }>(
        'terminal_spawn',
        await beta.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      expect(a.agent_id).toBe('mcp-alpha');
      expect(b.agent_id).toBe('mcp-beta');
    } finally {
      await alpha.close();
      await beta.close();
    }
  });
});
