// Aborting a batch or a transaction's commit with `signal`, in process, on real terminals: the
// running command is interrupted (its partial result kept), commands not yet started never start,
// and the call rejects with Cancelled whose `data.results` has every command's outcome.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BatchItemResult, ErrorCode } from '@orchflow/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Orchestrator, type TerminalHandle } from '../src/index';
import { expectCode, rejection, waitFor } from './helpers';

let orch: Orchestrator;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-batch-abort-'));
});
afterEach(async () => {
  await orch?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** The results an aborted call's Cancelled carries. */
function abortedResults(error: unknown): BatchItemResult[] {
  const { data } = expectCode(error, ErrorCode.Cancelled);
  return (data as { results: BatchItemResult[] }).results;
}

/** Waits until `terminal` printed `text` (the command got that far). */
function printed(terminal: TerminalHandle, text: string): Promise<void> {
  return waitFor(() => terminal.read({ fromOffset: 0 }).data.includes(text), `'${text}' in the output`);
}

const NOT_RUN = {
  ok: false,
  error: { code: ErrorCode.Cancelled, message: 'Not run: the batch was aborted' },
};

describe('batchExecute with a signal', () => {
  it('interrupts the running command, does not start the rest, and rejects fast with the results', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort');
    const abort = new AbortController();
    const running = orch.batchExecute(
      [
        { terminalId: t.id, command: 'echo first-out; sleep 30' },
        { terminalId: t.id, command: 'echo later-ran' },
      ],
      { signal: abort.signal },
    );
    running.catch(() => undefined);
    await printed(t, 'first-out\r\n');
    const abortedAt = performance.now();
    abort.abort();
    const error = await rejection(running);
    expect(performance.now() - abortedAt).toBeLessThan(5_000);
    expect(expectCode(error, ErrorCode.Cancelled).message).toMatch(/^Batch was aborted/);
    const results = abortedResults(error);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ ok: false, terminalId: t.id, error: { code: ErrorCode.Cancelled } });
    const partial = (results[0] as { error: { data: { result: { stdout: string; exitCode: number } } } })
      .error.data.result;
    expect(partial.stdout).toContain('first-out');
    expect(partial.exitCode).not.toBe(0);
    expect(results[1]).toMatchObject({ ...NOT_RUN, terminalId: t.id });
    // The terminal is usable at once, and the second command never ran.
    const startedNext = performance.now();
    expect((await t.execute('echo next')).stdout).toBe('next\n');
    expect(performance.now() - startedNext).toBeLessThan(2_000);
    expect(t.read({ fromOffset: 0 }).data).not.toContain('later-ran');
  });

  it('keeps finished commands as they ended', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort');
    const abort = new AbortController();
    const running = orch.batchExecute(
      [
        { terminalId: t.id, command: 'echo done' },
        { terminalId: t.id, command: 'echo second-out; sleep 30' },
        { terminalId: t.id, command: 'echo later-ran' },
      ],
      { signal: abort.signal, stopOnError: true },
    );
    running.catch(() => undefined);
    await printed(t, 'second-out\r\n');
    abort.abort();
    const results = abortedResults(await rejection(running));
    expect(results[0]).toMatchObject({ ok: true, result: { stdout: 'done\n', exitCode: 0 } });
    expect(results[1]).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Cancelled, data: { result: {} } },
    });
    expect(results[2]).toMatchObject(NOT_RUN);
  });

  it('in parallel mode interrupts every running command and starts none of the queued ones', async () => {
    orch = new Orchestrator();
    const [a, b] = [await orch.spawnTerminal('abort'), await orch.spawnTerminal('abort')];
    const abort = new AbortController();
    const running = orch.batchExecute(
      [
        { terminalId: a.id, command: 'echo a-out; sleep 30' },
        { terminalId: b.id, command: 'echo b-out; sleep 30' },
        { terminalId: a.id, command: `touch ${join(dir, 'a-later')}` },
        { terminalId: b.id, command: `touch ${join(dir, 'b-later')}` },
      ],
      { mode: 'parallel', signal: abort.signal },
    );
    running.catch(() => undefined);
    await printed(a, 'a-out\r\n');
    await printed(b, 'b-out\r\n');
    abort.abort();
    const results = abortedResults(await rejection(running));
    expect(results.slice(0, 2)).toMatchObject([
      {
        ok: false,
        terminalId: a.id,
        error: { code: ErrorCode.Cancelled, data: { result: { stdout: expect.stringContaining('a-out') } } },
      },
      {
        ok: false,
        terminalId: b.id,
        error: { code: ErrorCode.Cancelled, data: { result: { stdout: expect.stringContaining('b-out') } } },
      },
    ]);
    expect(results.slice(2)).toMatchObject([NOT_RUN, NOT_RUN]);
    expect((await a.execute('echo next')).stdout).toBe('next\n');
    expect((await b.execute('echo next')).stdout).toBe('next\n');
    expect(existsSync(join(dir, 'a-later')) || existsSync(join(dir, 'b-later'))).toBe(false);
  });

  it('reports a command still queued behind another caller on its terminal as not run', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort');
    const other = t.execute('echo other-out; sleep 1');
    await printed(t, 'other-out\r\n');
    const abort = new AbortController();
    const running = orch.batchExecute([{ terminalId: t.id, command: `touch ${join(dir, 'queued')}` }], {
      signal: abort.signal,
    });
    running.catch(() => undefined);
    abort.abort();
    expect(abortedResults(await rejection(running))).toMatchObject([NOT_RUN]);
    await other;
    expect((await t.execute('echo next')).stdout).toBe('next\n');
    expect(existsSync(join(dir, 'queued'))).toBe(false);
  });

  it('runs nothing with a signal aborted before the call', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort');
    const error = await rejection(
      orch.batchExecute([{ terminalId: t.id, command: `touch ${join(dir, 'ran')}` }], {
        signal: AbortSignal.abort(),
      }),
    );
    expect(abortedResults(error)).toEqual([
      { terminalId: t.id, ...NOT_RUN, error: expect.objectContaining(NOT_RUN.error) },
    ]);
    expect((await orch.metrics()).commandsExecuted).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('resolves as before when the signal is never aborted', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort');
    const results = await orch.batchExecute([{ terminalId: t.id, command: 'echo ok' }], {
      signal: new AbortController().signal,
    });
    expect(results).toMatchObject([{ ok: true, result: { stdout: 'ok\n' } }]);
  });
});

describe('commitTransaction with a signal', () => {
  it('interrupts the running command, skips the rest, and ends the transaction', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort-tx');
    const tx = orch.transaction();
    tx.add(t.id, 'echo tx-first; sleep 30');
    const abort = new AbortController();
    const running = tx.commit([{ terminalId: t.id, command: `touch ${join(dir, 'tx-later')}` }], {
      signal: abort.signal,
    });
    running.catch(() => undefined);
    await printed(t, 'tx-first\r\n');
    abort.abort();
    const error = await rejection(running);
    expect(expectCode(error, ErrorCode.Cancelled).message).toMatch(
      new RegExp(`^Transaction ${tx.id} was aborted`),
    );
    const results = abortedResults(error);
    expect(results[0]).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Cancelled, data: { result: { stdout: expect.stringContaining('tx-first') } } },
    });
    expect(results[1]).toMatchObject(NOT_RUN);
    expect((await t.execute('echo next')).stdout).toBe('next\n');
    expect(existsSync(join(dir, 'tx-later'))).toBe(false);
    // Like any commit that failed, an aborted one ends the transaction: nothing is left to roll back.
    expectCode(await rejection(tx.rollback()), ErrorCode.InvalidState);
  });

  it('runs none of a transaction whose signal is aborted before the commit', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('abort-tx');
    const txId = orch.beginTransaction();
    const error = await rejection(
      orch.commitTransaction(txId, [{ terminalId: t.id, command: `touch ${join(dir, 'ran')}` }], {
        signal: AbortSignal.abort(),
      }),
    );
    expect(abortedResults(error)).toMatchObject([NOT_RUN]);
    expect((await orch.metrics()).commandsExecuted).toBe(0);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expectCode(
      await rejection(Promise.resolve().then(() => orch.rollbackTransaction(txId))),
      ErrorCode.InvalidState,
    );
  });
});
