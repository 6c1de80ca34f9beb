// The still widely deployed v1 SDK client (`@modelcontextprotocol/sdk` 1.x, protocol 2025-xx)
// against `orchflow mcp` over stdio and `orchflow serve --mcp` over Streamable HTTP. The v1
// client validates structured results against each tool's outputSchema itself.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { cliCommand, cliEnv, type ServeProcess, startServe } from './cli-harness';
import { structured, textOf } from './helpers';

const TOKEN = 'mcp-v1-test-token-0123456789';

async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools).toHaveLength(8);
  for (const [command, code] of [
    ['true', 0],
    ['false', 1],
    ['(exit 42)', 42],
  ] as const) {
    const report = structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command } }),
    );
    expect(report).toMatchObject({ status: 'exited', exit_code: code });
  }
  const started = structured<CommandReport>(
    'terminal_run',
    await client.callTool({
      name: 'terminal_run',
      arguments: { command: 'sleep 3; echo v1-done', yield_ms: 300 },
    }),
  );
  expect(started.status).toBe('running');
  const waited = structured<CommandReport>(
    'terminal_wait',
    await client.callTool({
      name: 'terminal_wait',
      arguments: { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 60_000 },
    }),
  );
  expect(waited).toMatchObject({ status: 'exited', exit_code: 0 });
  expect(waited.output).toContain('v1-done');
  for (const [name, args] of [
    ['terminal_read', { terminal_id: started.terminal_id }],
    ['terminal_snapshot', { terminal_id: started.terminal_id }],
    ['terminal_list', {}],
  ] as const) {
    structured(name, await client.callTool({ name, arguments: args }));
  }
  const denied = await client.callTool({ name: 'terminal_run', arguments: { command: 'sudo id' } });
  expect(denied.isError).toBe(true);
  expect(textOf(denied)).toMatch(/Denied by policy rule '[^']+': /);
  structured(
    'terminal_kill',
    await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: started.terminal_id } }),
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
