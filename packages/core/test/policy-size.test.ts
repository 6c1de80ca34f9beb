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
