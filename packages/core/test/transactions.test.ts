// Transactions: every command admitted before any runs; a denial means nothing ran.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Orchestrator, type OrchflowPlugin } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator;
let dir: string;
const admitted: string[] = [];
const noCurl: OrchflowPlugin = {
  metadata: { name: 'no-curl', version: '1' },
  onCommandExecute: ({ command }) => {
    admitted.push(command);
    return command.includes('curl') ? { allow: false, reason: 'network tools are not allowed' } : true;
  },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-tx-'));
  admitted.length = 0;
});
afterEach(async () => {
  await orch?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('transactions', () => {
  it('runs nothing when any command is denied, and says which one and why', async () => {
    orch = Orchestrator.builder().withPlugin(noCurl).build();
    const t = await orch.spawnTerminal('tx');
    const marker = join(dir, 'must-not-exist');
    const txId = orch.beginTransaction();
    const e = expectCode(
      await rejection(
        orch.commitTransaction(txId, [
          { terminalId: t.id, command: `touch ${marker}` },
          { terminalId: t.id, command: 'curl http://example.invalid' },
        ]),
      ),
      ErrorCode.PolicyDenied,
    );
    expect(e.message).toMatch(
      /command #2 \('curl http:\/\/example.invalid'\).*network tools are not allowed/,
    );
    expect(e.message).toMatch(/no command ran/);
    expect(e.data).toMatchObject({
      txId,
      index: 1,
      terminalId: t.id,
      cause: { data: { plugin: 'no-curl' } },
    });
    // Every command was admitted before any ran; the first was not executed.
    expect(admitted).toEqual([`touch ${marker}`, 'curl http://example.invalid']);
    expect(existsSync(marker)).toBe(false);
    expect((await orch.metrics()).commandsExecuted).toBe(0);
    // The transaction is over.
    expectCode(
      await rejection(orch.commitTransaction(txId, [{ terminalId: t.id, command: 'true' }])),
      ErrorCode.InvalidState,
    );
  });

  it('runs every command when all are admitted, stopping at the first failure', async () => {
    orch = Orchestrator.builder().withPlugin(noCurl).build();
    const t = await orch.spawnTerminal('tx');
    const tx = orch.transaction();
    tx.add(t.id, `touch ${join(dir, 'a')}`)
      .add(t.id, 'false')
      .add(t.id, `touch ${join(dir, 'b')}`);
    const results = await tx.commit();
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ error: { code: ErrorCode.Cancelled } });
    expect(existsSync(join(dir, 'a'))).toBe(true);
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });

  it('refuses the whole transaction when a terminal is unknown or exited', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('tx');
    const dead = await orch.spawnTerminal('tx');
    dead.write('exit\n');
    await dead.exited;
    const marker = join(dir, 'x');
    const e = expectCode(
      await rejection(
        orch.commitTransaction(orch.beginTransaction(), [
          { terminalId: t.id, command: `touch ${marker}` },
          { terminalId: dead.id, command: 'true' },
        ]),
      ),
      ErrorCode.TerminalExited,
    );
    expect(e.message).toMatch(/command #2/);
    expect(existsSync(marker)).toBe(false);
  });

  it('rolls back an open transaction; unknown ids are InvalidState', async () => {
    orch = Orchestrator.builder().withOptions({ maxOpenTransactions: 2 }).build();
    const tx = orch.transaction();
    expect(await tx.rollback()).toEqual({ txId: tx.id, rolledBack: true });
    expect(() => orch.rollbackTransaction(tx.id)).toThrow(/is not open/);
    orch.beginTransaction();
    orch.beginTransaction();
    expect(() => orch.beginTransaction()).toThrow(/limit 2/);
  });
});
