// The still widely deployed v1 SDK client (`@modelcontextprotocol/sdk` 1.x, protocol 2025-xx)
// against `orchflow mcp` over stdio and `orchflow serve --mcp` over Streamable HTTP. The v1
// client validates structured results against each tool's outputSchema itself.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, cliEnv, type ServeProcess, startServe } from './cli-harness';
import { runWaitDeny, structured } from './helpers';

const TOKEN = 'mcp-v1-test-token-0123456789';

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools).toHaveLength(8);
  const terminalId = await runWaitDeny(client, 'v1-done');
  for (const [name, args] of [
    ['terminal_read', { terminal_id: terminalId }],
    ['terminal_snapshot', { terminal_id: terminalId }],
    ['terminal_list', {}],
  ] as const) {
    structured(name, await client.callTool({ name, arguments: args }));
  }
  structured(
    'terminal_kill',
    await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: terminalId } }),
  );
}

describe('v1 SDK client', { timeout: 120_000 }, () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe(['--http', '0', '--mcp', '--token', TOKEN]);
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
  }, 60_000);

  it('drives orchflow mcp over stdio', async () => {
    const client = new Client({ name: 'v1-stdio', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ ...cliCommand(['mcp']), env: cliEnv(), stderr: 'pipe' }));
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });

  it('drives orchflow serve --mcp over Streamable HTTP', async () => {
    const client = new Client({ name: 'v1-http', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
  });
});
