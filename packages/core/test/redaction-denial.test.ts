// A denial's reason quotes at most 80 characters of the command (issue 16 review): a secret the
// quote cuts off is no longer whole, so whole-text redaction alone would let its start through.
// The quote ends before whatever could begin a secret — in the error, the security.alert and the
// audit log — and the reason still names the rule and the start of what it judged.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { SecurityPresets } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, type SecurityAlertEvent } from '../src/index';
import { expectCode, rejection } from './helpers';

const DEPLOY = 'dpl-XYZ-2026-secret-value';
const TOKEN = 'npm-T0KEN-terminal-own-4711';
const AWS = 'AKIAIOSFODNN7EXAMPLE';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-redaction-denial-'));
}

/** Everything a denial sends out, as one text. */
function outgoing(
  error: { message: string; data: unknown },
  alerts: SecurityAlertEvent[],
  audit: string,
): string {
  return [
    error.message,
    JSON.stringify(error.data),
    JSON.stringify(alerts),
    readFileSync(audit, 'utf8'),
  ].join('\n');
}

describe('a denial quoting a command with a secret', () => {
  it('cuts the quote before a policy secret, a secretEnv value or a key pattern that the 80-character limit splits', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ ...SecurityPresets.aiSafe, secrets: [{ name: 'deploy', value: DEPLOY }] })
      .withAuditLog(audit)
      .build();
    const alerts: SecurityAlertEvent[] = [];
    orch.on('security.alert', (alert) => alerts.push(alert));
    const term = await orch.spawnTerminal('a', { cwd: dir(), secretEnv: { TOKEN } });
    // `'>/dev/tcp/' + 50 characters` puts each secret across the 80th character of the quote.
    const pad = 'r'.repeat(50);
    const cases = [
      { command: `echo ok >/dev/tcp/${pad}${DEPLOY}/80`, secret: DEPLOY, marker: '[REDACTED:deploy]' },
      { command: `echo ok >/dev/tcp/${pad}${TOKEN}/80`, secret: TOKEN, marker: '[REDACTED:TOKEN]' },
      {
        command: `alias ll='echo ${'p'.repeat(60)} ${AWS}'`,
        secret: AWS,
        marker: '[REDACTED:aws-access-key]',
      },
    ];
    for (const { command, secret, marker } of cases) {
      const error = expectCode(await rejection(term.execute(command)), ErrorCode.PolicyDenied);
      const text = outgoing(error, alerts, audit);
      expect(text).not.toContain(secret.slice(0, 6));
      const data = error.data as { reason: string; command: string; rule: string };
      // Useful still: the rule, the quote's start (cut with …) and the whole command, redacted.
      expect(data.reason).toMatch(/^'(>\/dev\/tcp\/r{50}|alias ll='echo p{60} ?)…' /);
      expect(error.message).toContain(data.reason);
      expect(data.command).toBe(command.replace(secret, marker));
      expect(alerts.at(-1)?.reason).toContain(data.reason);
    }
  });

  it('keeps a quote that holds no part of a secret as it was', async () => {
    orch = Orchestrator.builder()
      .withSecurityPolicy({ ...SecurityPresets.aiSafe, secrets: [{ name: 'deploy', value: DEPLOY }] })
      .build();
    const term = await orch.spawnTerminal('a', { cwd: dir() });
    const command = `echo ok >/dev/tcp/${'r'.repeat(80)}/80`;
    const error = expectCode(await rejection(term.execute(command)), ErrorCode.PolicyDenied);
    expect((error.data as { reason: string }).reason).toContain(
      `'${`>/dev/tcp/${'r'.repeat(80)}`.slice(0, 80)}'`,
    );
  });
});
