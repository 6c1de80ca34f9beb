// Shared test setup: a real orchestrator under a security policy, an orchflow MCP server on it,
// and the official v2 MCP client linked in memory; plus output-schema validation of results.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { Orchestrator } from '@orchflow/core';
import type { InternalErrorDetail } from '@orchflow/protocol';
import { type SecurityPolicy, SecurityPresets } from '@orchflow/security';
import { expect } from 'vitest';
import type * as z from 'zod';
import {
  type CommandReport,
  CommandReportSchema,
  createMcpServer,
  directConnector,
  KillOutput,
  ListOutput,
  type McpAuditSink,
  type OrchflowMcpServer,
  ReadOutput,
  SnapshotOutput,
  TerminalSummary,
  WriteOutput,
} from '../src';

/** Output schema of every tool, to check structured results against. */
export const OUTPUT_SCHEMAS: Record<string, z.ZodType> = {
  terminal_run: CommandReportSchema.strict(),
  terminal_wait: CommandReportSchema.strict(),
  terminal_read: ReadOutput.strict(),
  terminal_write: WriteOutput.strict(),
  terminal_snapshot: SnapshotOutput.strict(),
  terminal_spawn: TerminalSummary.strict(),
  terminal_list: ListOutput.strict(),
  terminal_kill: KillOutput.strict(),
};

/** A temp directory for a test's terminals. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-mcp-'));
}

/** A real orchestrator under `policy` (default `standard`, the MCP default). */
export async function orchestrator(policy: SecurityPolicy = SecurityPresets.standard): Promise<Orchestrator> {
  const orch = Orchestrator.builder().withSecurityPolicy(policy).build();
  await orch.ready();
  return orch;
}

/** A v2 MCP client linked in memory to an orchflow MCP server on `orch`. */
export async function linkedClient(
  orch: Orchestrator,
  options: {
    readOnly?: boolean;
    name?: string;
    sessionIdleMs?: number;
    auditLog?: McpAuditSink;
    onError?: (error: Error) => void;
    internalErrorDetail?: InternalErrorDetail;
  } = {},
): Promise<{ client: Client; mcp: OrchflowMcpServer; close: () => Promise<void> }> {
  const mcp = createMcpServer({
    connect: directConnector(orch),
    readOnly: options.readOnly,
    sessionIdleMs: options.sessionIdleMs,
    auditLog: options.auditLog,
    onError: options.onError,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = mcp.createServer({ internalErrorDetail: options.internalErrorDetail });
  await server.connect(serverSide);
  const client = new Client({ name: options.name ?? 'test-agent', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    mcp,
    close: async () => {
      await client.close();
      await server.close();
      await mcp.close();
    },
  };
}

/** Structured content of a tool result, checked against the tool's output schema. */
export function structured<T = Record<string, unknown>>(tool: string, result: unknown): T {
  const r = result as { structuredContent?: unknown; isError?: boolean; content?: { text?: string }[] };
  if (r.isError) throw new Error(`tool ${tool} failed: ${r.content?.[0]?.text}`);
  const schema = OUTPUT_SCHEMAS[tool];
  if (!schema) throw new Error(`no output schema for ${tool}`);
  return schema.parse(r.structuredContent) as T;
}

/** Text of a tool result. */
export function textOf(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0]?.text ?? '') as string;
}

/** What both SDK generations' clients offer for calling a tool. */
export interface ToolCaller {
  callTool(request: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}

/**
 * The exchange every transport must carry: exit codes 0/1/42 in one persistent shell, a command
 * still running after `yield_ms` handed back as `running` and picked up by `terminal_wait`, and a
 * policy denial as a tool error naming the rule. Returns the terminal's id.
 */
export async function runWaitDeny(client: ToolCaller, marker: string): Promise<string> {
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
      arguments: { command: `sleep 3; echo ${marker}`, yield_ms: 300 },
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
  expect(waited.output).toContain(marker);
  const denied = await client.callTool({ name: 'terminal_run', arguments: { command: 'sudo id' } });
  expect((denied as { isError?: boolean }).isError).toBe(true);
  expect(textOf(denied)).toMatch(/Denied by policy rule '[^']+': /);
  return started.terminal_id;
}
