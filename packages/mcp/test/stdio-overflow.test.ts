// `orchflow mcp` over stdio when the client sends a message larger than the SDK's read buffer
// (10 MiB): the transport closes, and the server must exit (so the host sees it gone and its shells
// end) instead of staying up answering nothing.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliCommand, cliEnv } from './cli-harness';

describe('orchflow mcp over stdio, oversized message', { timeout: 120_000 }, () => {
  it('exits after a message over the 10 MiB read buffer, saying why', async () => {
    const { command, args, cwd } = cliCommand(['mcp']);
    const child = spawn(command, args, { cwd, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Started: the banner is on stderr.
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('serving MCP on stdio') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stderr).toContain('serving MCP on stdio');
    child.stdin.on('error', () => undefined);
    // A shell with a command running keeps the process busy, as in real use.
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'big', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'terminal_run', arguments: { command: 'sleep 1000', yield_ms: 200 } },
    });
    while (!stdout.includes('"id":1') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stdout).toContain('running');
    child.stdin.write(
      `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":"${'x'.repeat(11 * 2 ** 20)}"}}\n`,
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(stderr).toMatch(/exceeded maximum size/);
  });
});
