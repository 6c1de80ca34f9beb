// MCP's `tool` audit entries carry no secret (issue 16 review): their error text and terminal id
// (both may quote what the client typed) are redacted with the orchestrator's secrets, the same
// redaction as its own entries, before they are cut to size; a front without an orchestrator
// still redacts the built-in patterns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Orchestrator } from '@orchflow/core';
import { AuditLog, type AuditToolCall, SecurityPresets, verifyAuditLog } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { directConnector, type McpConnector } from '../src';
import { linkedClient, tempDir } from './helpers';

const DEPLOY = 'dpl-XYZ-2026-secret-value';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const NPM_TOKEN = 'npm_Zq81-terminal-own-secret';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(connect?: (orch: Orchestrator) => McpConnector) {
  const path = join(tempDir(), 'audit.jsonl');
  const log = await AuditLog.open(path);
  const orch = Orchestrator.builder()
    .withSecurityPolicy({ ...SecurityPresets.standard, secrets: [{ name: 'deploy', value: DEPLOY }] })
    .withAuditLog(log)
    .build();
  await orch.ready();
  const { client, close } = await linkedClient(orch, {
    name: 'redacted',
    auditLog: log,
    ...(connect ? { connect: connect(orch) } : {}),
  });
  cleanup.push(
    () => log.close(),
    () => orch.shutdown(),
    () => close(),
  );
  const tools = (): { line: string; entry: AuditToolCall }[] =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"kind":"tool"'))
      .map((line) => ({ line, entry: JSON.parse(line) }));
  return { client, tools, path, orch };
}

describe('MCP audit redaction', { timeout: 60_000 }, () => {
  it("redacts a policy secret in a tool entry's terminal id and error, as the orchestrator does", async () => {
    const { client, tools, path } = await setUp();
    const read = await client.callTool({ name: 'terminal_read', arguments: { terminal_id: `t-${DEPLOY}` } });
    expect(read.isError).toBe(true);
    // A secret cut by the entry's size limits (200 characters of terminal id) would no longer be
    // whole: redaction comes first.
    await client.callTool({
      name: 'terminal_snapshot',
      arguments: { terminal_id: `${'x'.repeat(190)}${DEPLOY}` },
    });
    const [first, second] = tools();
    expect(first?.entry).toMatchObject({
      tool: 'terminal_read',
      outcome: 'error',
      terminalId: 't-[REDACTED:deploy]',
    });
    expect(first?.entry.error).toContain("'t-[REDACTED:deploy]'");
    expect(second?.entry).toMatchObject({
      tool: 'terminal_snapshot',
      terminalId: `${'x'.repeat(190)}[REDACTED:`,
    });
    for (const { line } of [first, second].filter((x) => x !== undefined)) {
      expect(line).not.toContain(DEPLOY);
      expect(line).not.toContain(DEPLOY.slice(0, 8));
    }
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true });
  });

  it("redacts a terminal's secretEnv in entries naming that terminal, and the built-in patterns", async () => {
    const { client, tools, orch } = await setUp();
    const t = await orch.spawnTerminal('mcp-redacted', { secretEnv: { NPM_TOKEN: NPM_TOKEN } });
    // An agent's bad pattern is quoted back in the error: here it holds the terminal's secret.
    const wait = await client.callTool({
      name: 'terminal_wait',
      arguments: { terminal_id: t.id, until: 'output', pattern: `(${NPM_TOKEN}`, timeout_ms: 1000 },
    });
    expect(wait.isError).toBe(true);
    await client.callTool({ name: 'terminal_kill', arguments: { terminal_id: `gone-${AWS_KEY}` } });
    const waited = tools().find(({ entry }) => entry.tool === 'terminal_wait');
    expect(waited?.entry).toMatchObject({ terminalId: t.id, outcome: 'error' });
    expect(waited?.entry.error).toContain('[REDACTED:NPM_TOKEN]');
    expect(waited?.line).not.toContain(NPM_TOKEN);
    const killed = tools().find(({ entry }) => entry.tool === 'terminal_kill');
    expect(killed?.line).not.toContain(AWS_KEY);
    expect(killed?.entry.terminalId).toBe('gone-[REDACTED:aws-access-key]');
  });

  it('without an orchestrator to ask (a front), still redacts the built-in patterns', async () => {
    const { client, tools } = await setUp((orch) => {
      const inner = directConnector(orch);
      return (identity) => inner(identity); // no redactAudit: as clientConnector
    });
    await client.callTool({ name: 'terminal_read', arguments: { terminal_id: AWS_KEY } });
    const [entry] = tools();
    expect(entry?.entry.terminalId).toBe('[REDACTED:aws-access-key]');
    expect(entry?.line).not.toContain(AWS_KEY);
  });
});
