// The audit log names who asked: the principal of the RPC connection reaches every entry of
// execute, batchExecute and transactions. A denial that cannot be recorded fails loudly.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { ErrorCode } from '@orchflow/protocol';
import { type AuditEntry, verifyAuditLog } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, type SecurityAlertEvent } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-audit-'));
}

function entries(path: string): AuditEntry[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEntry);
}

describe('audit principal', () => {
  it('records the RPC principal for execute (denied and allowed), batches and transactions', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    const client = await OrchflowClient.direct(orch, {
      principal: { kind: 'agent', name: 'ci-bot', agentIds: ['worker'] },
    });
    const term = await client.spawnTerminal('worker', { cwd: dir() });
    expectCode(await rejection(term.execute('rm -f x')), ErrorCode.PolicyDenied);
    expect((await term.execute('echo allowed')).exitCode).toBe(0);
    const batch = await client.batchExecute([
      { terminalId: term.id, command: 'echo batch' },
      { terminalId: term.id, command: 'rm -f y' },
    ]);
    expect(batch.map((r) => r.ok)).toEqual([true, false]);
    const tx = await client.transaction();
    await tx.commit([{ terminalId: term.id, command: 'echo tx' }]);
    await client.close();
    await orch.shutdown();

    const log = entries(audit);
    const commands = log.map((e) => `${e.kind}:${e.kind === 'tool' ? e.tool : e.command}`);
    expect(commands).toEqual([
      'decision:rm -f x',
      'decision:echo allowed',
      'end:echo allowed',
      'decision:echo batch',
      'end:echo batch',
      'decision:rm -f y',
      'decision:echo tx',
      'end:echo tx',
    ]);
    for (const entry of log) expect(entry.principal, commands[log.indexOf(entry)]).toBe('agent:ci-bot');
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: log.length });
  });

  it('fails closed with a critical alert when a denial cannot be written to the audit log', async () => {
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog('/dev/full')
      .build();
    const alerts: SecurityAlertEvent[] = [];
    orch.on('security.alert', (a) => alerts.push(a));
    const ws = dir();
    const term = await orch.spawnTerminal('agent', { cwd: ws });
    const e = expectCode(await rejection(term.execute('rm -rf sub')), ErrorCode.InternalError);
    expect(e.message).toMatch(/denied.*could not be recorded/is);
    expect(e.data).toMatchObject({ denial: { code: ErrorCode.PolicyDenied } });
    expect(alerts.map((a) => `${a.severity}:${a.rule}`)).toContain('critical:audit-log');
    expect(existsSync(join(ws, 'sub'))).toBe(false);
  });

  it('records in each end entry the exit code, signal and timeout of the result it returned', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    const term = await orch.spawnTerminal('agent', { cwd: dir() });
    const results = [
      await term.execute('(exit 3)'),
      await term.execute('echo fine'),
      await term.execute('false'),
      await term.execute('sleep 30', { timeoutMs: 300 }),
    ];
    expect(results.map((r) => r.exitCode).slice(0, 3)).toEqual([3, 0, 1]);
    expect(results[3]?.timedOut).toBe(true);
    await orch.shutdown();
    const ends = entries(audit).filter((e) => e.kind === 'end');
    expect(ends.map((e) => e.kind === 'end' && [e.exitCode, e.signal, e.timedOut])).toEqual(
      results.map((r) => [r.exitCode, r.signal, r.timedOut]),
    );
  });

  it('refuses every command of a second orchestrator writing the same audit log, naming the file', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    // The first holds the log before the second opens it: built together, either may win the lock.
    await orch.ready();
    const second = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    try {
      const first = await orch.spawnTerminal('agent', { cwd: dir() });
      expect((await first.execute('echo one')).exitCode).toBe(0);
      const other = await second.spawnTerminal('agent', { cwd: dir() });
      const e = expectCode(await rejection(other.execute('echo two')), ErrorCode.InternalError);
      expect(e.message).toContain(audit);
      expect(e.message).toMatch(/already open for writing/);
    } finally {
      await second.shutdown();
    }
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: 2 });
  });
});
