// `orchflow mcp` modes: `--connect` fronts a running `orchflow serve` (same terminals, the
// server's token), `--read-only` registers only the read tools, and bad flag combinations fail
// with a message saying what to do.
import { spawn, spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { OrchflowClient } from '@orchflow/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandReport, READ_ONLY_TOOLS } from '../src';
import { cliCommand, cliEnv, type ServeProcess, startServe } from './cli-harness';
import { structured } from './helpers';

const TOKEN = 'mcp-connect-test-token-0123456789';

async function mcpClient(args: string[], name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ ...cliCommand(['mcp', ...args]), env: cliEnv(), stderr: 'pipe' }),
  );
  return client;
}

describe('orchflow mcp modes', { timeout: 120_000 }, () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServe(['--ws', '0', '--token', TOKEN, '--policy', 'standard']);
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
  }, 60_000);

  it('--connect fronts a running server: the terminal is the server’s, and its policy applies', async () => {
    const url = serve.listeners.find((l) => l.transport === 'websocket')?.address ?? '';
    const client = await mcpClient(['--connect', url, '--token', TOKEN], 'front-agent');
    const person = await OrchflowClient.websocket(url, { token: TOKEN });
    try {
      const report = structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: { command: 'echo shared-$((6*7))' } }),
      );
      expect(report).toMatchObject({ status: 'exited', exit_code: 0, output: 'shared-42\n' });
      // A person connected to the same server sees the agent's terminal and its output.
      const info = (await person.listTerminals()).find((t) => t.id === report.terminal_id);
      expect(info?.agentId).toBe('mcp-front-agent');
      const page = await person.handle(info as NonNullable<typeof info>).read({ fromOffset: 0 });
      expect(page.data).toContain('shared-42');
      const denied = await client.callTool({ name: 'terminal_run', arguments: { command: 'sudo id' } });
      expect(denied.isError).toBe(true);
    } finally {
      await person.close();
      await client.close();
    }
  });

  it('--read-only registers only the read, list, snapshot and wait tools', async () => {
    const client = await mcpClient(['--read-only'], 'reader');
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...READ_ONLY_TOOLS].sort());
    } finally {
      await client.close();
    }
  });

  it('--connect warns at start when the server cannot be used, and says why', async () => {
    const { command, args, cwd } = cliCommand(['mcp', '--connect', 'ws://127.0.0.1:1']);
    const child = spawn(command, args, { cwd, env: cliEnv(), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const warned = new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('warning:')) resolve();
      });
    });
    const exited = new Promise((resolve) => child.once('close', resolve));
    await warned;
    child.stdin?.end();
    await exited;
    expect(stderr).toMatch(
      /warning: cannot use ws:\/\/127\.0\.0\.1:1 now \(.*ECONNREFUSED.*\); tool calls fail/,
    );
  });

  it('refuses --policy with --connect, --mcp without --http and an unknown --connect scheme', () => {
    const run = (args: string[]) => {
      const { command, args: full, cwd } = cliCommand(args);
      return spawnSync(command, full, { cwd, input: '', encoding: 'utf8', timeout: 90_000 });
    };
    const both = run(['mcp', '--connect', 'ws://127.0.0.1:1', '--policy', 'trusted']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('with --connect the server’s policy applies');
    const noHttp = run(['serve', '--mcp', '--ws', '0']);
    expect(noHttp.status).toBe(2);
    expect(noHttp.stderr).toContain('pass --http PORT too');
    const scheme = run(['mcp', '--connect', 'ftp://127.0.0.1:1']);
    expect(scheme.status).toBe(2);
    expect(scheme.stderr).toContain("Unsupported --connect 'ftp://127.0.0.1:1'");
  });
});
