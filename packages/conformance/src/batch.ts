// Conformance, batches and transactions: results line up with the commands, `stopOnError`
// cancels the rest, a committed transaction runs every command, a transaction with one denied
// command runs none, and a rolled-back transaction cannot be committed.
import { join } from 'node:path';
import type { OrchestratorOptions } from '@orchflow/core';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { codeOf, exists, rejection, scratchDir, serve, type TransportCase } from './harness';

/** A plugin that refuses any command containing `DENYME` (a policy denial without policy parsing). */
export const DENY_PLUGIN: OrchestratorOptions = {
  plugins: [
    {
      metadata: { name: 'conformance-deny', version: '1.0.0' },
      onCommandExecute: ({ command }) =>
        command.includes('DENYME') ? { allow: false, reason: 'DENYME is refused' } : true,
    },
  ],
};

/** Registers the batch and transaction tests for `transport`. */
export function batchTests(transport: TransportCase): void {
  it('runs a batch across terminals, results in order, sequential and parallel', async () => {
    const { admin } = await serve(transport);
    const a = await admin.spawnTerminal('conf-batch');
    const b = await admin.spawnTerminal('conf-batch');
    const commands = [
      { terminalId: a.id, command: 'echo one' },
      { terminalId: b.id, command: 'echo two' },
      { terminalId: a.id, command: '(exit 3)' },
    ];
    for (const mode of ['sequential', 'parallel'] as const) {
      const results = await admin.batchExecute(commands, { mode });
      expect(results.map((r) => r.terminalId)).toEqual([a.id, b.id, a.id]);
      expect(results.map((r) => (r.ok ? r.result.exitCode : r.error.code))).toEqual([0, 0, 3]);
      expect(results.map((r) => (r.ok ? r.result.stdout : ''))).toEqual(['one\n', 'two\n', '']);
    }
  });

  it('stops a batch at the first failure with stopOnError; the rest are cancelled', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-batch-stop');
    const results = await admin.batchExecute(
      [
        { terminalId: terminal.id, command: 'false' },
        { terminalId: terminal.id, command: 'echo never' },
      ],
      { stopOnError: true },
    );
    expect(results[0]).toMatchObject({ ok: true, result: { exitCode: 1 } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
  });

  it('commits a transaction: every command runs', async () => {
    const { admin } = await serve(transport, DENY_PLUGIN);
    const a = await admin.spawnTerminal('conf-tx');
    const b = await admin.spawnTerminal('conf-tx');
    const tx = await admin.transaction();
    expect(tx.id).toBeTruthy();
    const results = await tx.commit([
      { terminalId: a.id, command: 'echo tx-a' },
      { terminalId: b.id, command: 'echo tx-b' },
    ]);
    expect(results).toEqual([
      expect.objectContaining({
        ok: true,
        terminalId: a.id,
        result: expect.objectContaining({ stdout: 'tx-a\n' }),
      }),
      expect.objectContaining({
        ok: true,
        terminalId: b.id,
        result: expect.objectContaining({ stdout: 'tx-b\n' }),
      }),
    ]);
  });

  it('runs none of a transaction whose commands are not all admitted (PolicyDenied)', async () => {
    const { admin } = await serve(transport, DENY_PLUGIN);
    const terminal = await admin.spawnTerminal('conf-tx-deny');
    const marker = join(scratchDir('orchflow-conf-tx-'), 'ran');
    const tx = await admin.transaction();
    const error = await rejection(
      tx.commit([
        { terminalId: terminal.id, command: `touch ${marker}` },
        { terminalId: terminal.id, command: 'echo DENYME' },
      ]),
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.PolicyDenied);
    // The terminal is idle and nothing ran: the next command sees no marker.
    expect((await terminal.execute(`test -e ${marker}; echo $?`)).stdout).toBe('1\n');
    expect(exists(marker)).toBe(false);
  });

  it('rolls back a transaction; committing it afterwards is InvalidState', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-tx-rollback');
    const tx = await admin.transaction();
    await tx.rollback();
    expect(await codeOf(tx.commit([{ terminalId: terminal.id, command: 'echo x' }]))).toBe(
      ErrorCode.InvalidState,
    );
    expect(await codeOf(tx.rollback())).toBe(ErrorCode.InvalidState);
  });
}
