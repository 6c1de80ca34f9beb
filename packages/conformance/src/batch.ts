// Conformance, batches and transactions: results line up with the commands, `stopOnError`
// cancels the rest, a committed transaction runs every command, a transaction with one denied
// command runs none, a rolled-back transaction cannot be committed, and an aborted batch or
// commit interrupts its running command, starts no more and hands every command's outcome back
// in the Cancelled error's `data.results`.
import { join } from 'node:path';
import type { OrchestratorOptions } from '@orchflow/core';
import { type BatchItemResult, ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { codeOf, eventually, exists, rejection, scratchDir, serve, type TransportCase } from './harness';

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

/** What an aborted batch's or commit's Cancelled carries in `data.results` (undefined if it is no such error). */
function abortedResults(error: unknown): BatchItemResult[] | undefined {
  if (!isOrchflowError(error) || error.code !== ErrorCode.Cancelled) return undefined;
  return (error.data as { results?: BatchItemResult[] } | undefined)?.results;
}

/** How the commands an abort stopped before they started are reported. */
const NOT_RUN = {
  ok: false,
  error: { code: ErrorCode.Cancelled, message: 'Not run: the batch was aborted' },
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

  it('aborts a batch: the running command is interrupted, the rest never start, results in data.results', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-batch-abort');
    const dir = scratchDir('orchflow-conf-batch-abort-');
    const [ready, later] = [join(dir, 'ready'), join(dir, 'later')];
    const abort = new AbortController();
    const running = admin.batchExecute(
      [
        { terminalId: terminal.id, command: `echo printed-before-abort; touch ${ready}; sleep 30` },
        { terminalId: terminal.id, command: `touch ${later}` },
      ],
      { signal: abort.signal },
    );
    running.catch(() => undefined);
    await eventually(() => exists(ready), 'the first command to reach its sleep');
    const abortedAt = performance.now();
    abort.abort();
    const results = abortedResults(await rejection(running));
    expect(performance.now() - abortedAt).toBeLessThan(5_000);
    expect(results).toHaveLength(2);
    expect(results?.[0]).toMatchObject({
      ok: false,
      terminalId: terminal.id,
      error: {
        code: ErrorCode.Cancelled,
        data: { result: { stdout: expect.stringContaining('printed-before-abort') } },
      },
    });
    expect(results?.[1]).toMatchObject({ ...NOT_RUN, terminalId: terminal.id });
    // The terminal is free at once, and the command after the interrupted one never ran.
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
    expect(exists(later)).toBe(false);
  });

  it('sends nothing for a batch whose signal is already aborted: a plain Cancelled, nothing runs', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-batch-abort');
    const marker = join(scratchDir('orchflow-conf-batch-aborted-'), 'ran');
    const error = await rejection(
      admin.batchExecute([{ terminalId: terminal.id, command: `touch ${marker}` }], {
        signal: AbortSignal.abort(),
      }),
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.Cancelled);
    expect((error as { data?: unknown }).data).toBeUndefined();
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
    expect(exists(marker)).toBe(false);
  });

  it('aborts a transaction commit like a batch; the transaction is over afterwards', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-tx-abort');
    const dir = scratchDir('orchflow-conf-tx-abort-');
    const [ready, later] = [join(dir, 'ready'), join(dir, 'later')];
    const tx = await admin.transaction();
    tx.add(terminal.id, `echo tx-before-abort; touch ${ready}; sleep 30`);
    const abort = new AbortController();
    const running = tx.commit([{ terminalId: terminal.id, command: `touch ${later}` }], {
      signal: abort.signal,
    });
    running.catch(() => undefined);
    await eventually(() => exists(ready), 'the first command to reach its sleep');
    abort.abort();
    const results = abortedResults(await rejection(running));
    expect(results).toMatchObject([
      {
        ok: false,
        error: {
          code: ErrorCode.Cancelled,
          data: { result: { stdout: expect.stringContaining('tx-before-abort') } },
        },
      },
      NOT_RUN,
    ]);
    expect((await terminal.execute('echo next')).stdout).toBe('next\n');
    expect(exists(later)).toBe(false);
    expect(await codeOf(tx.rollback())).toBe(ErrorCode.InvalidState);
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
