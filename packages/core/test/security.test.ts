// The security policy enforced by the orchestrator: command checks on every path (execute, batch,
// transaction), plugins seeing the decision, the audit log (and failing closed), raw input, the
// execution timeout cap and isolation at spawn.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { type AuditEntry, type SecurityPolicyInput, verifyAuditLog } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, type SecurityAlertEvent } from '../src/index';
import type { CommandContext } from '../src/plugins';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-sec-'));
}

function build(
  policy: SecurityPolicyInput,
  auditLog?: string,
  plugin?: (cmd: CommandContext) => void,
): Orchestrator {
  const builder = Orchestrator.builder().withSecurityPolicy(policy);
  if (auditLog) builder.withAuditLog(auditLog);
  if (plugin) {
    builder.withPlugin({
      metadata: { name: 'observer', version: '1' },
      onCommandExecute: (cmd) => {
        plugin(cmd);
        return true;
      },
    });
  }
  orch = builder.build();
  return orch;
}

function entries(path: string): AuditEntry[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEntry);
}

describe('security policy enforcement', () => {
  it('rejects an invalid policy at build() with InvalidParams naming the field', () => {
    const e = expectCode(
      (() => {
        try {
          Orchestrator.builder()
            .withSecurityPolicy({ isolationLevel: 'vm' } as never)
            .build();
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.InvalidParams,
    );
    expect(e.message).toMatch(/isolationLevel/);
  });

  it('denies a command anywhere in the line, alerts, audits, and lets plugins see allowed decisions', async () => {
    const audit = join(dir(), 'audit.jsonl');
    const seen: CommandContext[] = [];
    const o = build({ deniedCommands: ['rm'] }, audit, (cmd) => seen.push(cmd));
    const alerts: SecurityAlertEvent[] = [];
    o.on('security.alert', (a) => alerts.push(a));
    const ws = dir();
    writeFileSync(join(ws, 'keep'), 'x');
    const term = await o.spawnTerminal('agent', { cwd: ws });
    const e = expectCode(
      await rejection(term.execute('echo ok && (cd . ; rm -f keep)')),
      ErrorCode.PolicyDenied,
    );
    expect(e.data).toMatchObject({
      rule: expect.stringMatching(/deniedCommands/),
      command: expect.stringContaining('rm'),
    });
    expect(existsSync(join(ws, 'keep'))).toBe(true);
    expect(alerts[0]).toMatchObject({
      severity: 'warning',
      terminalId: term.id,
      rule: expect.stringMatching(/deniedCommands/),
    });
    expect(seen).toHaveLength(0);

    const ok = await term.execute('echo hello | cat');
    expect(ok.stdout).toBe('hello\n');
    expect(seen[0]?.decision).toMatchObject({ allowed: true });
    expect(seen[0]?.decision?.commands.map((c) => c.program)).toEqual(['echo', 'cat']);

    await o.shutdown();
    const log = entries(audit);
    expect(
      log.map((x) => `${x.kind}:${x.kind === 'decision' ? x.decision : x.kind === 'end' ? x.exitCode : ''}`),
    ).toEqual(['decision:deny', 'decision:allow', 'end:0']);
    const end = log[2];
    expect(end).toMatchObject({ kind: 'end', terminalId: term.id, agentId: 'agent', outputBytes: 6 });
    expect(log[1]).toMatchObject({ programs: ['echo', 'cat'], cwd: ws, isolation: 'none' });
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: 3 });
  });

  it('checks every command of a batch and of a transaction (a denied one stops the whole transaction)', async () => {
    const o = build({ deniedCommands: ['touch'] });
    const ws = dir();
    const term = await o.spawnTerminal('agent', { cwd: ws });
    const results = await o.batchExecute([
      { terminalId: term.id, command: 'echo one' },
      { terminalId: term.id, command: 'touch batch-file' },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, error: { code: ErrorCode.PolicyDenied } });
    const tx = o.beginTransaction();
    const e = expectCode(
      await rejection(
        o.commitTransaction(tx, [
          { terminalId: term.id, command: 'echo first > tx-file' },
          { terminalId: term.id, command: 'env touch other' },
        ]),
      ),
      ErrorCode.PolicyDenied,
    );
    expect(e.message).toMatch(/command #2/);
    expect(existsSync(join(ws, 'tx-file'))).toBe(false);
    expect(existsSync(join(ws, 'batch-file'))).toBe(false);
  });

  it('fails closed when the audit log cannot be written', async () => {
    const o = build({}, '/dev/full');
    const alerts: SecurityAlertEvent[] = [];
    o.on('security.alert', (a) => alerts.push(a));
    const ws = dir();
    const term = await o.spawnTerminal('agent', { cwd: ws });
    expectCode(await rejection(term.execute('touch ran')), ErrorCode.InternalError);
    expect(existsSync(join(ws, 'ran'))).toBe(false);
    expect(alerts[0]).toMatchObject({ severity: 'critical', rule: 'audit-log' });
  });

  it('refuses raw input under an allowlist or a bare denylist and allows it under trusted', async () => {
    const o = build({ allowedCommands: ['echo'] });
    const term = await o.spawnTerminal('agent');
    expectCode(
      (() => {
        try {
          o.write(term.id, 'rm -rf x\r');
        } catch (error) {
          return error;
        }
      })(),
      ErrorCode.Forbidden,
    );
    await o.shutdown();
    const denylist = build({ deniedCommands: ['rm'] });
    const t1 = await denylist.spawnTerminal('agent');
    expect(() => denylist.write(t1.id, ' ')).toThrow(/canWriteRawInput/);
    await denylist.shutdown();
    const open = build({ deniedCommands: ['rm'], protectShellIntegration: false });
    const t2 = await open.spawnTerminal('agent');
    expect(() => open.write(t2.id, ' ')).not.toThrow();
  });

  it('caps execute timeouts at executionTimeoutMs', async () => {
    const o = build({ resourceLimits: { executionTimeoutMs: 1_000 } });
    const term = await o.spawnTerminal('agent');
    const r = await term.execute('sleep 30', { timeoutMs: 60_000 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(20_000);
  });

  it('spawns terminals inside the isolation the policy names', async () => {
    const secret = dir();
    writeFileSync(join(secret, 'key'), 'TOP-SECRET');
    const o = build({ isolationLevel: 'sandbox', forbiddenPaths: [secret], networkPolicy: 'deny' });
    const term = await o.spawnTerminal('agent', { cwd: dir() });
    // The command policy would refuse `cat <secret>/key`; an interpreter hides the path from it,
    // and the sandbox still keeps the file out of reach.
    const [parent, name] = [dirname(secret), basename(secret)];
    const r = await term.execute(
      `cd ${parent} && python3 -c "print(open('${name}' + '/key').read())" 2>&1; echo "pid=$$"`,
    );
    expect(r.stdout).toMatch(/PermissionError|Permission denied/);
    expect(r.stdout).not.toContain('TOP-SECRET');
    expect(r.stdout).toMatch(/pid=\d\b/);
    expect((await term.execute('(exit 3)')).exitCode).toBe(3);
  });
});
