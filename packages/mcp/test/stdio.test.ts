// `orchflow mcp` over real stdio, driven by the official v2 MCP client in both protocol eras
// (2025 handshake by default, 2026-07-28 with version negotiation): real bash, real policy.
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { cliCommand, cliEnv } from './cli-harness';
import { structured, textOf } from './helpers';

const ERAS = [
  { era: '2025 (initialize handshake)', options: {} },
  { era: '2026-07-28 (negotiated)', options: { versionNegotiation: { mode: 'auto' as const } } },
];

describe.each(ERAS)('orchflow mcp over stdio, v2 client, $era', { timeout: 120_000 }, ({ options }) => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({ ...cliCommand(['mcp']), env: cliEnv(), stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: 'stdio-agent', version: '2.0.0' }, options);
    await client.connect(transport);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
  }, 60_000);

  const call = (name: string, args: Record<string, unknown>, extra = {}) =>
    client.callTool({ name, arguments: args }, extra);

  it('runs commands with exit codes 0, 1 and 42 and says so on stderr, not stdout', async () => {
    for (const [command, code] of [
      ['true', 0],
      ['false', 1],
      ['(exit 42)', 42],
    ] as const) {
      const report = structured<CommandReport>('terminal_run', await call('terminal_run', { command }));
      expect(report).toMatchObject({ status: 'exited', exit_code: code });
    }
    expect(stderr).toContain('serving MCP on stdio');
    expect(stderr).toContain('standard');
  });

  it("hands back 'running' after yield_ms, then terminal_wait returns the exit", async () => {
    const started = structured<CommandReport>(
      'terminal_run',
      await call('terminal_run', { command: 'sleep 4; echo slept', yield_ms: 500 }),
    );
    expect(started.status).toBe('running');
    const waited = structured<CommandReport>(
      'terminal_wait',
      await call('terminal_wait', { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 60_000 }),
    );
    expect(waited).toMatchObject({ status: 'exited', exit_code: 0, condition_met: true });
    expect(waited.output).toContain('slept');
  });

  it('a policy denial is a tool error naming the rule (default policy: standard)', async () => {
    const denied = await call('terminal_run', { command: 'sudo id' });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/Denied by policy rule '[^']+': /);
  });

  it('sends progress with the output tail while a call holds', async () => {
    const messages: string[] = [];
    const report = structured<CommandReport>(
      'terminal_run',
      await call(
        'terminal_run',
        { command: 'for i in 1 2 3 4; do echo tick-$i; sleep 0.4; done' },
        { onprogress: (p: { message?: string }) => messages.push(p.message ?? '') },
      ),
    );
    expect(report.exit_code).toBe(0);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.some((m) => m.includes('tick-'))).toBe(true);
  });

  it('cancelling a held terminal_run interrupts the command', async () => {
    const spawned = structured<{ terminal_id: string }>('terminal_spawn', await call('terminal_spawn', {}));
    const abort = new AbortController();
    const held = call(
      'terminal_run',
      { command: "echo sleep''ing; sleep 60", terminal_id: spawned.terminal_id, yield_ms: 50_000 },
      { signal: abort.signal },
    );
    // Cancel once the command is really running: its own output (not the echoed command line,
    // which reads sleep''ing) has appeared.
    const running = structured<CommandReport>(
      'terminal_wait',
      await call('terminal_wait', {
        terminal_id: spawned.terminal_id,
        until: 'output',
        pattern: 'sleeping',
        timeout_ms: 60_000,
      }),
    );
    expect(running).toMatchObject({ status: 'running', condition_met: true });
    abort.abort();
    await expect(held).rejects.toThrow();
    const waited = structured<CommandReport>(
      'terminal_wait',
      await call('terminal_wait', { terminal_id: spawned.terminal_id, until: 'exit', timeout_ms: 30_000 }),
    );
    expect(waited).toMatchObject({ status: 'exited', cancelled: true, condition_met: true });
    expect(waited.duration_ms).toBeLessThan(59_000);
    const after = structured<CommandReport>(
      'terminal_run',
      await call('terminal_run', { command: 'echo usable', terminal_id: spawned.terminal_id }),
    );
    expect(after.output).toBe('usable\n');
  });

  it('reports a cancelled command that ignores SIGINT as ended only once it is gone', async () => {
    const spawned = structured<{ terminal_id: string }>('terminal_spawn', await call('terminal_spawn', {}));
    const abort = new AbortController();
    const held = call(
      'terminal_run',
      // The subshell and its sleep ignore SIGINT: the terminal SIGKILLs them after its grace period.
      { command: "( trap '' INT; echo armed-$((6*7)); sleep 37.25 )", terminal_id: spawned.terminal_id },
      { signal: abort.signal },
    );
    await call('terminal_wait', {
      terminal_id: spawned.terminal_id,
      until: 'output',
      pattern: 'armed-42',
      timeout_ms: 60_000,
    });
    abort.abort();
    await expect(held).rejects.toThrow();
    const waited = structured<CommandReport>(
      'terminal_wait',
      await call('terminal_wait', { terminal_id: spawned.terminal_id, until: 'exit', timeout_ms: 30_000 }),
    );
    expect(waited).toMatchObject({ status: 'exited', cancelled: true });
    expect(spawnSync('pgrep', ['-f', 'sleep 37[.]25']).status).toBe(1);
  });

  it('lists terminals as resources and reads their screen and output', async () => {
    const report = structured<CommandReport>(
      'terminal_run',
      await call('terminal_run', { command: 'echo resource-text' }),
    );
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain(`orchflow://terminals/${report.terminal_id}/screen`);
    expect(uris).toContain(`orchflow://terminals/${report.terminal_id}/output`);
    const output = await client.readResource({ uri: `orchflow://terminals/${report.terminal_id}/output` });
    expect((output.contents[0] as { text: string }).text).toContain('resource-text');
    const screen = await client.readResource({ uri: `orchflow://terminals/${report.terminal_id}/screen` });
    expect((screen.contents[0] as { text: string }).text).toContain('resource-text');
  });
});
