// A command over the policy's size limit is refused with InvalidParams at the API, and audited.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { MAX_COMMAND_BYTES } from '@orchflow/security';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

describe('command size limit', () => {
  it('rejects a command over MAX_COMMAND_BYTES with InvalidParams and audits it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-size-'));
    const audit = join(dir, 'audit.jsonl');
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm'] })
      .withAuditLog(audit)
      .build();
    const term = await orch.spawnTerminal('agent', { cwd: dir });
    const error = await rejection(term.execute(`echo ${'a'.repeat(MAX_COMMAND_BYTES)}`));
    expectCode(error, ErrorCode.InvalidParams);
    expect((error as Error).message).toContain('too-large');
    const log = readFileSync(audit, 'utf8').trimEnd().split('\n');
    expect(log.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ kind: 'decision' })]);
  });
});

// Issue 11 §4: checks run in a worker thread with a work budget, so one agent's pathological
// command neither freezes the event loop nor delays another agent's command. Generous bounds: the
// 50 ms figure is measured by bench/policy-worst-case.mjs.
describe('a pathological command', () => {
  it("is denied too-complex while another agent's echo runs and the event loop keeps ticking", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-budget-'));
    orch = Orchestrator.builder()
      .withSecurityPolicy({ deniedCommands: ['rm -rf'], forbiddenPaths: [join(dir, 'secret')] })
      .build();
    const slowAgent = await orch.spawnTerminal('slow', { cwd: dir });
    const other = await orch.spawnTerminal('other', { cwd: dir });
    let last = performance.now();
    let worst = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      const cds = Array.from({ length: 40 }, (_, i) => `cd d${i}`).join('; ');
      const slow = rejection(slowAgent.execute(`${cds}; cat x`));
      const echo = await other.execute('echo hi');
      expect(echo.stdout).toContain('hi');
      const error = await slow;
      expectCode(error, ErrorCode.PolicyDenied);
      expect((error as Error).message).toContain('too-complex');
    } finally {
      clearInterval(ticker);
    }
    expect(worst).toBeLessThan(1000);
  });
});
