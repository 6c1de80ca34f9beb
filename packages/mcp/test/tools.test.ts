// The tools driven by the official v2 MCP client (in-memory link) against a real orchestrator
// and real bash: exit codes, handles for long commands, server-side waits, reads, writes, screen.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { SecurityPresets } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandReport, READ_ONLY_TOOLS } from '../src';
import { linkedClient, orchestrator, structured, tempDir, textOf } from './helpers';

describe('orchflow MCP tools (v2 client, in memory)', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    orch = await orchestrator();
    ({ client, close } = await linkedClient(orch));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  const run = async (args: Record<string, unknown>) =>
    structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: args }),
    );

  it('lists the eight tools, each with an input and an output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'terminal_kill',
      'terminal_list',
      'terminal_read',
      'terminal_run',
      'terminal_snapshot',
      'terminal_spawn',
      'terminal_wait',
      'terminal_write',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
  });

  it('reports exit codes 0, 1 and 42 with the output, in one persistent shell', async () => {
    const ok = await run({ command: 'echo hello' });
    expect(ok).toMatchObject({ status: 'exited', exit_code: 0, output: 'hello\n', truncated: false });
    const one = await run({ command: 'false', terminal_id: ok.terminal_id });
    expect(one).toMatchObject({ status: 'exited', exit_code: 1, terminal_id: ok.terminal_id });
    const answer = await run({ command: 'X=42; (exit $X)' });
    expect(answer.exit_code).toBe(42);
    // Same shell without terminal_id: the variable persists.
    expect((await run({ command: 'echo $X' })).output).toBe('42\n');
    expect(ok.next_offset).toBeGreaterThan(ok.output_offset);
    expect(answer.next_offset).toBeGreaterThanOrEqual(answer.output_offset);
  });

  it('runs in cwd', async () => {
    const dir = tempDir();
    const report = await run({ command: 'pwd', cwd: dir });
    expect(report.output.trim()).toBe(dir);
    expect(report.cwd).toBe(dir);
  });

  it('refuses a cwd that does not exist and a write with nothing to write', async () => {
    const { terminal_id } = await run({ command: 'true' });
    const badCwd = await client.callTool({
      name: 'terminal_run',
      arguments: { command: 'true', terminal_id, cwd: '/does/not/exist' },
    });
    expect(badCwd.isError).toBe(true);
    expect(textOf(badCwd)).toContain('cannot cd to /does/not/exist');
    const empty = await client.callTool({ name: 'terminal_write', arguments: { terminal_id } });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toContain('Nothing to write');
  });

  it("returns 'running' after yield_ms and terminal_wait returns the exit", async () => {
    const started = await run({ command: 'sleep 3; echo done; exit_code=7; (exit 7)', yield_ms: 300 });
    expect(started.status).toBe('running');
    expect(started.exit_code).toBeUndefined();
    // The terminal is busy: a second run on it is refused with a pointer to terminal_wait.
    const busy = await client.callTool({
      name: 'terminal_run',
      arguments: { command: 'true', terminal_id: started.terminal_id },
    });
    expect(busy.isError).toBe(true);
    expect(textOf(busy)).toContain('terminal_wait');
    const waited = structured<CommandReport>(
      'terminal_wait',
      await client.callTool({
        name: 'terminal_wait',
        arguments: { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 30_000 },
      }),
    );
    expect(waited).toMatchObject({ status: 'exited', exit_code: 7, condition_met: true });
    expect(waited.output).toContain('done');
  });

  it('waits for a pattern in new output and for idle, on the server', async () => {
    const started = await run({ command: 'sleep 0.5; echo READY-42; sleep 2; echo later', yield_ms: 0 });
    expect(started.status).toBe('running');
    const matched = structured<CommandReport>(
      'terminal_wait',
      await client.callTool({
        name: 'terminal_wait',
        arguments: {
          terminal_id: started.terminal_id,
          until: 'output',
          pattern: 'READY-\\d+',
          timeout_ms: 30_000,
        },
      }),
    );
    expect(matched.condition_met).toBe(true);
    expect(matched.status).toBe('running');
    expect(matched.output).toContain('READY-42');
    const done = structured<CommandReport>(
      'terminal_wait',
      await client.callTool({
        name: 'terminal_wait',
        arguments: { terminal_id: started.terminal_id, until: 'exit' },
      }),
    );
    expect(done).toMatchObject({ status: 'exited', exit_code: 0 });
    expect(done.output).toContain('later');
  });

  it('a wait that times out says condition_met: false', async () => {
    const started = await run({ command: 'sleep 5', yield_ms: 0 });
    const waited = structured<CommandReport>(
      'terminal_wait',
      await client.callTool({
        name: 'terminal_wait',
        arguments: { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 200 },
      }),
    );
    expect(waited).toMatchObject({ status: 'running', condition_met: false });
    await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: started.terminal_id } });
  });

  it('refuses a pattern with nested quantifiers and an invalid regex', async () => {
    const { terminal_id } = await run({ command: 'true' });
    for (const pattern of ['(a+)+$', '([a-z]*)*x', '(unclosed']) {
      const result = await client.callTool({
        name: 'terminal_wait',
        arguments: { terminal_id, until: 'output', pattern, timeout_ms: 100 },
      });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('InvalidParams');
    }
  });

  it('caps long output keeping head and tail, and terminal_read pages the rest', async () => {
    const report = await run({ command: 'seq 1 20000', max_output_bytes: 1000 });
    expect(report.truncated).toBe(true);
    expect(report.output.startsWith('1\n2\n')).toBe(true);
    expect(report.output.trimEnd().endsWith('20000')).toBe(true);
    expect(Buffer.byteLength(report.output)).toBeLessThan(1500);
    const page = structured<{ data: string; next_offset: number; end_offset: number }>(
      'terminal_read',
      await client.callTool({
        name: 'terminal_read',
        arguments: { terminal_id: report.terminal_id, from_offset: report.output_offset, max_bytes: 100_000 },
      }),
    );
    expect(page.data).toContain('\n10000\n');
    expect(page.data).not.toContain('\x1b');
  });

  it('terminal_write is refused where the policy denies raw input', async () => {
    const { terminal_id } = await run({ command: 'true' });
    const refused = await client.callTool({
      name: 'terminal_write',
      arguments: { terminal_id, keys: ['Ctrl-C'] },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("Raw input is not allowed by this server's security policy");
  });

  const spawn = async () =>
    structured<{ terminal_id: string }>(
      'terminal_spawn',
      await client.callTool({ name: 'terminal_spawn', arguments: {} }),
    ).terminal_id;
  const wait = async (args: Record<string, unknown>) =>
    structured<CommandReport>(
      'terminal_wait',
      await client.callTool({ name: 'terminal_wait', arguments: args }),
    );

  it('refuses a run with cwd on a busy terminal at once, and Ctrl-C interrupts it where raw input is refused', async () => {
    const terminal_id = await spawn();
    const started = await run({ command: 'sleep 30', terminal_id, yield_ms: 200 });
    expect(started.status).toBe('running');
    const before = Date.now();
    const busy = await client.callTool({
      name: 'terminal_run',
      arguments: { command: 'echo hi', terminal_id, cwd: '/tmp' },
    });
    expect(busy.isError).toBe(true);
    expect(textOf(busy)).toContain("still running 'sleep 30'");
    expect(Date.now() - before).toBeLessThan(5_000);
    // `standard` refuses raw input; Ctrl-C alone still stops the command terminal_run started.
    const interrupted = await client.callTool({
      name: 'terminal_write',
      arguments: { terminal_id, keys: ['Ctrl-C'] },
    });
    expect(interrupted.isError).toBeFalsy();
    expect(textOf(interrupted)).toContain("interrupted 'sleep 30'");
    expect(await wait({ terminal_id, until: 'exit', timeout_ms: 10_000 })).toMatchObject({
      status: 'exited',
      cancelled: true,
    });
    // Other keystrokes stay refused.
    const typed = await client.callTool({ name: 'terminal_write', arguments: { terminal_id, text: 'id\r' } });
    expect(typed.isError).toBe(true);
    // The cwd was never changed behind the command's back.
    expect((await run({ command: 'pwd', terminal_id })).output).not.toBe('/tmp\n');
  });

  it('an output wait ends when the command it waits on ends, or the terminal exits', async () => {
    const done = await spawn();
    await run({ command: 'sleep 1; echo bye', terminal_id: done, yield_ms: 0 });
    const before = Date.now();
    const ended = await wait({ terminal_id: done, until: 'output', pattern: 'NEVER', timeout_ms: 30_000 });
    expect(ended).toMatchObject({ status: 'exited', exit_code: 0, condition_met: false });
    const gone = await spawn();
    await run({ command: 'sleep 1; exit 5', terminal_id: gone, yield_ms: 0 });
    const exited = await wait({ terminal_id: gone, until: 'output', pattern: 'NEVER', timeout_ms: 30_000 });
    expect(exited.condition_met).toBe(false);
    expect(Date.now() - before).toBeLessThan(20_000);
    // Begun with no command running, it waits on: a background job's output may still come.
    const background = await spawn();
    await run({ command: '(sleep 1; echo LATER-7) &', terminal_id: background });
    const later = await wait({
      terminal_id: background,
      until: 'output',
      pattern: 'LATER-\\d',
      timeout_ms: 30_000,
    });
    expect(later.condition_met).toBe(true);
  });

  it('terminal_write types text and keys; terminal_snapshot shows the screen', async () => {
    const trusted = await orchestrator(SecurityPresets.trusted);
    const linked = await linkedClient(trusted, { name: 'writer' });
    const client = linked.client;
    const run = async (args: Record<string, unknown>) =>
      structured<CommandReport>(
        'terminal_run',
        await client.callTool({ name: 'terminal_run', arguments: args }),
      );
    try {
      const spawned = structured<{ terminal_id: string }>(
        'terminal_spawn',
        await client.callTool({ name: 'terminal_spawn', arguments: { cols: 100, rows: 30 } }),
      );
      const started = await run({
        command: 'read -r name; echo "hi $name"',
        terminal_id: spawned.terminal_id,
        yield_ms: 200,
      });
      expect(started.status).not.toBe('exited');
      const wrote = structured<{ bytes: number }>(
        'terminal_write',
        await client.callTool({
          name: 'terminal_write',
          arguments: { terminal_id: spawned.terminal_id, text: 'orchflow', keys: ['Enter'] },
        }),
      );
      expect(wrote.bytes).toBe(9);
      const done = structured<CommandReport>(
        'terminal_wait',
        await client.callTool({
          name: 'terminal_wait',
          arguments: { terminal_id: spawned.terminal_id, until: 'exit' },
        }),
      );
      expect(done).toMatchObject({ status: 'exited', exit_code: 0 });
      expect(done.output).toContain('hi orchflow');
      const snap = structured<{ lines: string[]; cols: number; rows: number }>(
        'terminal_snapshot',
        await client.callTool({ name: 'terminal_snapshot', arguments: { terminal_id: spawned.terminal_id } }),
      );
      expect(snap.cols).toBe(100);
      expect(snap.lines.join('\n')).toContain('hi orchflow');
    } finally {
      await linked.close();
      await trusted.shutdown();
    }
  });

  it('terminal_list shows only this client’s terminals; terminal_kill ends one', async () => {
    const spawned = structured<{ terminal_id: string; agent_id: string }>(
      'terminal_spawn',
      await client.callTool({ name: 'terminal_spawn', arguments: {} }),
    );
    expect(spawned.agent_id).toBe('mcp-test-agent');
    const other = await orch.spawnTerminal('someone-else');
    const list = structured<{ terminals: { terminal_id: string; agent_id: string }[] }>(
      'terminal_list',
      await client.callTool({ name: 'terminal_list', arguments: {} }),
    );
    expect(list.terminals.map((t) => t.terminal_id)).toContain(spawned.terminal_id);
    expect(list.terminals.every((t) => t.agent_id === 'mcp-test-agent')).toBe(true);
    const foreign = await client.callTool({ name: 'terminal_read', arguments: { terminal_id: other.id } });
    expect(foreign.isError).toBe(true);
    const killed = structured<{ terminal_id: string }>(
      'terminal_kill',
      await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: spawned.terminal_id } }),
    );
    expect(killed.terminal_id).toBe(spawned.terminal_id);
    const after = await client.callTool({
      name: 'terminal_read',
      arguments: { terminal_id: spawned.terminal_id },
    });
    expect(after.isError).toBe(true);
  });

  it('a policy denial is a tool error naming the rule and the reason', async () => {
    const denied = await client.callTool({ name: 'terminal_run', arguments: { command: 'sudo rm -rf /' } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/^Denied by policy rule '[^']+': \S/);
    expect(denied.structuredContent).toBeUndefined();
  });

  it('rejects bad input with a validation error', async () => {
    const bad = await client.callTool({ name: 'terminal_run', arguments: { command: '' } });
    expect(bad.isError).toBe(true);
  });

  it('read-only mode registers only the read, list, snapshot and wait tools', async () => {
    const ro = await linkedClient(orch, { readOnly: true, name: 'reader' });
    try {
      const { tools } = await ro.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([...READ_ONLY_TOOLS].sort());
      await expect(
        ro.client.callTool({ name: 'terminal_run', arguments: { command: 'true' } }),
      ).rejects.toThrow(/terminal_run/);
    } finally {
      await ro.close();
    }
  });
});

describe('session limits', { timeout: 60_000 }, () => {
  it('refuses MCP clients beyond maxSessions with a tool error', async () => {
    const orch = await orchestrator();
    const { createMcpServer, directConnector } = await import('../src');
    const { Client, InMemoryTransport } = await import('@modelcontextprotocol/client');
    const mcp = createMcpServer({ connect: directConnector(orch), maxSessions: 1 });
    const clients: InstanceType<typeof Client>[] = [];
    try {
      for (const name of ['first', 'second']) {
        const [a, b] = InMemoryTransport.createLinkedPair();
        await mcp.createServer().connect(b);
        const client = new Client({ name, version: '1' });
        await client.connect(a);
        clients.push(client);
      }
      expect((await clients[0]?.callTool({ name: 'terminal_list', arguments: {} }))?.isError).toBeFalsy();
      const refused = await clients[1]?.callTool({ name: 'terminal_list', arguments: {} });
      expect(refused?.isError).toBe(true);
      expect(textOf(refused)).toContain('Overloaded');
    } finally {
      for (const client of clients) await client.close();
      await mcp.close();
      await orch.shutdown();
    }
  });
});
