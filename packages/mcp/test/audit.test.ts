// Every MCP tool call, reads included, lands in the audit log (the orchestrator's own, so one hash
// chain) with client, agent, tool, terminal and outcome, and no output bodies; a call whose entry
// cannot be written returns an error instead of its result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { Orchestrator } from '@orchflow/core';
import { internalErrorId, type OrchflowError } from '@orchflow/protocol';
import { type AuditEntry, AuditLog, SecurityPresets, verifyAuditLog } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, structured, tempDir, textOf } from './helpers';

describe('MCP audit', { timeout: 60_000 }, () => {
  let orch: Orchestrator;
  let log: AuditLog;
  let path: string;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    path = join(tempDir(), 'audit.jsonl');
    log = await AuditLog.open(path);
    orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.standard).withAuditLog(log).build();
    await orch.ready();
    ({ client, close } = await linkedClient(orch, { name: 'auditor', auditLog: log }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
    await log?.close();
  }, 60_000);

  const entries = () =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ line, entry: JSON.parse(line) as AuditEntry }));

  it('records reads and runs with agent, tool, terminal and outcome, without output', async () => {
    const run = structured<CommandReport>(
      'terminal_run',
      await client.callTool({ name: 'terminal_run', arguments: { command: 'echo audit-$((6*7))' } }),
    );
    expect(run.output).toBe('audit-42\n');
    const id = run.terminal_id;
    for (const [name, args] of [
      ['terminal_read', { terminal_id: id, from_offset: 0 }],
      ['terminal_snapshot', { terminal_id: id }],
      ['terminal_list', {}],
      ['terminal_wait', { terminal_id: id, until: 'exit', timeout_ms: 1000 }],
    ] as const) {
      structured(name, await client.callTool({ name, arguments: args }));
    }
    await client.readResource({ uri: `orchflow://terminals/${id}/output` });
    const missing = await client.callTool({ name: 'terminal_read', arguments: { terminal_id: 'no-such' } });
    expect(missing.isError).toBe(true);

    const tools = entries().filter(({ entry }) => entry.kind === 'tool');
    expect(tools.map(({ entry }) => (entry as { tool: string }).tool)).toEqual([
      'terminal_run',
      'terminal_read',
      'terminal_snapshot',
      'terminal_list',
      'terminal_wait',
      'resources/read',
      'terminal_read',
    ]);
    for (const { line, entry } of tools) {
      expect(entry).toMatchObject({ client: 'auditor', agentId: 'mcp-auditor' });
      expect(line).not.toContain('audit-42'); // no output bodies
      expect(line.length).toBeLessThan(1000);
    }
    expect(tools[1]?.entry).toMatchObject({ terminalId: id, outcome: 'ok' });
    expect(tools[6]?.entry).toMatchObject({ terminalId: 'no-such', outcome: 'error' });
    expect((tools[6]?.entry as { error?: string } | undefined)?.error).toMatch(/No terminal 'no-such'/);
    // The command's own decision and end entries are in the same chain, which still verifies.
    expect(entries().some(({ entry }) => entry.kind === 'decision')).toBe(true);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true });
  });

  it('withholds the result of a call it cannot record', async () => {
    const { client: reader, close: closeReader } = await linkedClient(orch, {
      name: 'unrecorded',
      auditLog: { append: () => Promise.reject(new Error('disk full')) },
    });
    try {
      const result = await reader.callTool({ name: 'terminal_list', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /audit log could not record this call.*disk full \(error id [0-9a-f]{12}\)$/,
      );
      expect(result.structuredContent).toBeUndefined();
    } finally {
      await closeReader();
    }
  });

  describe('a log that cannot be written, to a client that must not learn host details', () => {
    const reports: Error[] = [];
    let full: AuditLog;
    let reader: Client;
    let closeReader: () => Promise<void>;
    beforeAll(async () => {
      full = await AuditLog.open('/dev/full');
      ({ client: reader, close: closeReader } = await linkedClient(orch, {
        name: 'remote',
        auditLog: full,
        internalErrorDetail: 'redacted',
        onError: (e) => reports.push(e),
      }));
    });
    afterAll(async () => {
      await closeReader?.();
      await full?.close();
    });

    /** The report onError heard under `errorId`, with the log's path and OS error. */
    const reportOf = (errorId: string | undefined, request: string) => {
      const report = reports.find((e) => internalErrorId(e) === errorId) as OrchflowError | undefined;
      expect(report?.message).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
      expect(report?.data).toMatchObject({ errorId, request, data: { path: '/dev/full' } });
    };

    it('a tool call: its result withheld, what failed and an error id; onError has the detail', async () => {
      const result = await reader.callTool({ name: 'terminal_list', arguments: {} });
      expect(result.isError).toBe(true);
      const text = textOf(result);
      const errorId = /\(error id ([0-9a-f]{12})\)/.exec(text)?.[1];
      expect(text).toBe(
        `Error: the audit log could not record this call, so its result is withheld: 'terminal_list' failed on the server with an internal error (error id ${errorId}). Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it`,
      );
      reportOf(errorId, "'terminal_list'");
    });

    it('a resource read: fails with -32603, what failed and an error id; onError has the detail', async () => {
      const spawned = structured<{ terminal_id: string }>(
        'terminal_spawn',
        await client.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      const error = (await reader
        .readResource({ uri: `orchflow://terminals/${spawned.terminal_id}/output` })
        .then(
          () => undefined,
          (e: unknown) => e,
        )) as { code?: number; message?: string; data?: { errorId?: string } } | undefined;
      expect(error?.code).toBe(-32603);
      expect(error?.message).toMatch(
        /The audit log could not record this read, so its result is withheld: 'resources\/read' failed on the server with an internal error \(error id [0-9a-f]{12}\)/,
      );
      expect(JSON.stringify(error)).not.toMatch(/dev\/full|ENOSPC/);
      reportOf(error?.data?.errorId, "'resources/read'");
    });
  });
});
