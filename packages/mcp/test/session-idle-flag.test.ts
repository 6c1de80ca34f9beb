// `--session-idle` on `orchflow mcp` and `orchflow serve --mcp`: a bad value fails with a message
// saying what to write, and the period reaches the server: a client's session (its default
// shell) is gone after it, so the next `terminal_run` runs in a fresh shell.
import { spawnSync } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { cliCommand, cliEnv, startServe } from './cli-harness';
import { structured } from './helpers';

const TOKEN = 'mcp-idle-flag-token-0123456789';
// Far past the 1 s period even when timers run late on a loaded machine.
const PAST_IDLE_MS = 6000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cli(args: string[]) {
  const { command, args: full, cwd } = cliCommand(args);
  return spawnSync(command, full, { cwd, input: '', encoding: 'utf8', timeout: 90_000 });
}

/** Runs `echo` twice, PAST_IDLE_MS apart; returns the two terminal ids. */
async function twoRuns(client: Client): Promise<[string, string]> {
  const run = async () =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command: 'echo idle' } }),
    ).terminal_id;
  const first = await run();
  await sleep(PAST_IDLE_MS);
  return [first, await run()];
}

describe('--session-idle', { timeout: 120_000 }, () => {
  it('refuses values that are not a duration, and --session-idle without --mcp', () => {
    for (const value of ['abc', '1.5s']) {
      const bad = cli(['mcp', '--session-idle', value]);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain(`'${value}' is not a session idle period; use e.g. 90s, 30m`);
    }
    const serveBad = cli(['serve', '--http', '0', '--mcp', '--session-idle', 'soon']);
    expect(serveBad.status).not.toBe(0);
    expect(serveBad.stderr).toContain("'soon' is not a session idle period");
    const noMcp = cli(['serve', '--http', '0', '--session-idle', '5m']);
    expect(noMcp.status).toBe(2);
    expect(noMcp.stderr).toContain('--session-idle sets the idle period of MCP sessions: pass --mcp too');
  });

  it('orchflow mcp --session-idle 1s closes an unused session', async () => {
    const client = new Client({ name: 'idle-stdio', version: '1.0.0' });
    const transport = new StdioClientTransport({
      ...cliCommand(['mcp', '--session-idle', '1s']),
      env: cliEnv(),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await client.connect(transport);
    try {
      const [first, second] = await twoRuns(client);
      expect(second).not.toBe(first);
      expect(stderr).toContain('idle sessions close after 1s');
    } finally {
      await client.close();
    }
  });

  it('orchflow serve --mcp --session-idle 1s closes an unused session', async () => {
    const serve = await startServe(['--http', '0', '--mcp', '--token', TOKEN, '--session-idle', '1s']);
    const client = new Client(
      { name: 'idle-http', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
          requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } },
        }),
      );
      const [first, second] = await twoRuns(client);
      expect(second).not.toBe(first);
    } finally {
      await client.close();
      await serve.stop();
    }
  });
});
