// Secret redaction through the Orchestrator (issue 16): the terminal's secretEnv, the policy's
// secrets and the built-in patterns are redacted at the source — subscribers see redacted bytes
// whose offsets add up, ExecResult and history carry no secret — and the audit log records the
// command with its secrets replaced. A terminal with no secret and no policy keeps every byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TmuxBackend } from '@orchflow/mux';
import { ErrorCode } from '@orchflow/protocol';
import { type AuditEntry, verifyAuditLog } from '@orchflow/security';
import type { DataEvent, StreamEvent } from '@orchflow/terminal';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, type SecurityAlertEvent } from '../src/index';
import { expectCode, rejection, waitFor } from './helpers';

const TOKEN = 'ghs-like-T0KEN-€-4711';
const DEPLOY = 'dpl-XYZ-2026-secret';
const AWS = 'AKIAIOSFODNN7EXAMPLE';

const socketName = `orchflow-redaction-${process.pid}`;
let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});
afterAll(() => {
  spawnSync('tmux', ['-L', socketName, 'kill-server']);
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-redaction-'));
}

describe('redaction in the orchestrator', () => {
  it('streams redacted bytes to subscribers, with offsets that add up to the scrollback', async () => {
    orch = Orchestrator.builder().build();
    const term = await orch.spawnTerminal('a', { cwd: dir(), secretEnv: { TOKEN } });
    const events: StreamEvent[] = [];
    const sub = orch.subscribeOutput(term.id, { fromOffset: 0 }, (event) => events.push(event));
    const result = await term.execute('for i in 1 2 3; do printf "%s %s\\n" "$i" "$TOKEN"; done');
    expect(result.stdout).toBe('1 [REDACTED:TOKEN]\n2 [REDACTED:TOKEN]\n3 [REDACTED:TOKEN]\n');
    const end = term.read({ fromOffset: 0 });
    await waitFor(
      () => events.some((e) => e.type === 'data' && e.nextOffset >= end.nextOffset),
      'the stream',
    );
    sub.dispose();
    const data = events.filter((e): e is DataEvent => e.type === 'data');
    let offset = 0;
    for (const event of data) {
      expect(event.offset).toBe(offset);
      expect(event.nextOffset - event.offset).toBe(Buffer.byteLength(event.data));
      offset = event.nextOffset;
    }
    const streamed = data.map((e) => e.data).join('');
    expect(streamed.startsWith(end.data)).toBe(true);
    expect(streamed).toContain('3 [REDACTED:TOKEN]');
    expect(streamed).not.toContain(TOKEN);
    expect(term.history().map((r) => r.command)).not.toContain(expect.stringContaining(TOKEN));
  });

  it('records a policy secret in a command as [REDACTED:<name>] in the audit log, history and alerts', async () => {
    const audit = join(dir(), 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ secrets: [{ name: 'deploy', value: DEPLOY }], deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    const alerts: SecurityAlertEvent[] = [];
    orch.on('security.alert', (alert) => alerts.push(alert));
    const term = await orch.spawnTerminal('a', { cwd: dir() });
    const result = await term.execute(`echo "${DEPLOY}"`);
    expect(result.stdout).toBe('[REDACTED:deploy]\n');
    expectCode(await rejection(term.execute(`rm -f ${DEPLOY}`)), ErrorCode.PolicyDenied);
    // Pasted as a command: the policy lists it among the programs the line runs.
    await term.execute(`${DEPLOY} --x 2>/dev/null || true`);
    expect(term.history()[0]?.command).toBe('echo "[REDACTED:deploy]"');
    await orch.shutdown();
    const text = readFileSync(audit, 'utf8');
    expect(text).not.toContain(DEPLOY);
    const entries = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(entries.map((e) => `${e.kind}:${'command' in e ? e.command : ''}`)).toEqual([
      'decision:echo "[REDACTED:deploy]"',
      'end:echo "[REDACTED:deploy]"',
      'decision:rm -f [REDACTED:deploy]',
      'decision:[REDACTED:deploy] --x 2>/dev/null || true',
      'end:[REDACTED:deploy] --x 2>/dev/null || true',
    ]);
    expect(entries.find((e) => e.kind === 'decision' && e.command.endsWith('|| true'))).toMatchObject({
      programs: ['[REDACTED:deploy]', 'true'],
    });
    expect((await verifyAuditLog(audit)).ok).toBe(true);
    expect(alerts.map((a) => a.command)).toEqual(['rm -f [REDACTED:deploy]']);
  });

  it('redacts an AWS access key printed by a program under a policy (built-in patterns)', async () => {
    orch = Orchestrator.builder().withSecurityPolicy({}).build();
    const term = await orch.spawnTerminal('a', { cwd: dir() });
    // The key only exists in the output: the command text holds it in two halves.
    const result = await term.execute("printf '%s%s\\n' AKIAIOSF ODNN7EXAMPLE");
    expect(result.stdout).toBe('[REDACTED:aws-access-key]\n');
    expect(term.read({ fromOffset: 0 }).data).not.toContain(AWS);
  });

  it('redacts in scripted mode too, and keeps every byte of a terminal with no secret and no policy', async () => {
    orch = Orchestrator.builder().build();
    const scripted = await orch.spawnTerminal('a', { cwd: dir(), mode: 'scripted', secretEnv: { TOKEN } });
    const result = await scripted.execute('echo "$TOKEN"; echo "$TOKEN" >&2');
    expect([result.stdout, result.stderr]).toEqual(['[REDACTED:TOKEN]\n', '[REDACTED:TOKEN]\n']);
    const plain = await orch.spawnTerminal('a', { cwd: dir() });
    expect((await plain.execute(`echo ${AWS}`)).stdout).toBe(`${AWS}\n`);
  });

  it('redacts the output of a tmux-backed terminal (its pane feeds the same path)', async () => {
    orch = new Orchestrator({ backend: new TmuxBackend({ socketName }) });
    const term = await orch.spawnTerminal('a', { cwd: dir(), secretEnv: { TOKEN } });
    const result = await term.execute('echo "$TOKEN"');
    expect(result.stdout).toBe('[REDACTED:TOKEN]\n');
    expect(term.read({ fromOffset: 0 }).data).not.toContain(TOKEN);
  });

  it('refuses bad secretEnv: a short value, a bad name, a variable the policy forbids', async () => {
    // A policy with an allow-list judges the spawn's environment (secretEnv included).
    orch = Orchestrator.builder()
      .withSecurityPolicy({ allowedCommands: ['echo'] })
      .build();
    const short = expectCode(
      await rejection(orch.spawnTerminal('a', { cwd: dir(), secretEnv: { T: 'abc' } })),
      ErrorCode.InvalidParams,
    );
    expect(short.message).toMatch(/at least 4/);
    expectCode(
      await rejection(orch.spawnTerminal('a', { cwd: dir(), secretEnv: { 'A-B': 'abcdef' } })),
      ErrorCode.InvalidParams,
    );
    const denied = expectCode(
      await rejection(orch.spawnTerminal('a', { cwd: dir(), secretEnv: { LD_PRELOAD: '/tmp/x.so' } })),
      ErrorCode.PolicyDenied,
    );
    expect(denied.message).toMatch(/LD_PRELOAD/);
  });
});
