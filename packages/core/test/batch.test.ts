// batchExecute: sequential and parallel modes, stopOnError, per-command admission.
import { ErrorCode } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('batchExecute', () => {
  it('runs commands sequentially and reports each result in order', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('b');
    const results = await orch.batchExecute([
      { terminalId: t.id, command: 'X=1' },
      { terminalId: t.id, command: 'echo $((X+1))' },
      { terminalId: t.id, command: 'false' },
      { terminalId: 'missing', command: 'echo' },
      { terminalId: t.id, command: 'echo after' },
    ]);
    expect(results).toMatchObject([
      { ok: true, terminalId: t.id, result: { exitCode: 0 } },
      { ok: true, result: { stdout: '2\n' } },
      { ok: true, result: { exitCode: 1 } },
      { ok: false, terminalId: 'missing', error: { code: ErrorCode.TerminalNotFound } },
      { ok: true, result: { stdout: 'after\n' } },
    ]);
  });

  it('stopOnError cancels the rest after the first failure', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('b');
    const results = await orch.batchExecute(
      [
        { terminalId: t.id, command: 'echo one' },
        { terminalId: t.id, command: 'exit_with() { return 3; }; exit_with' },
        { terminalId: t.id, command: 'echo never > /dev/null; echo never-ran' },
      ],
      { stopOnError: true },
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
    expect(t.read({ fromOffset: 0 }).data).not.toContain('never-ran');
  });

  it('runs different terminals in parallel', async () => {
    orch = new Orchestrator();
    const [a, b] = await Promise.all([orch.spawnTerminal('p'), orch.spawnTerminal('p')]);
    const started = Date.now();
    // Each waits for the other's marker file: only parallel execution can finish both.
    const dir = `/tmp/orchflow-par-${process.pid}-${Date.now()}`;
    const results = await orch.batchExecute(
      [
        {
          terminalId: a!.id,
          command: `mkdir -p ${dir}; touch ${dir}/a; while [ ! -e ${dir}/b ]; do sleep 0.05; done; echo a-done`,
          timeoutMs: 15_000,
        },
        {
          terminalId: b!.id,
          command: `mkdir -p ${dir}; touch ${dir}/b; while [ ! -e ${dir}/a ]; do sleep 0.05; done; echo b-done`,
          timeoutMs: 15_000,
        },
      ],
      { mode: 'parallel' },
    );
    expect(results).toMatchObject([
      { ok: true, result: { stdout: 'a-done\n', timedOut: false } },
      { ok: true, result: { stdout: 'b-done\n', timedOut: false } },
    ]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('parallel stopOnError cancels commands not yet started', async () => {
    orch = new Orchestrator();
    const [a, b] = await Promise.all([orch.spawnTerminal('p'), orch.spawnTerminal('p')]);
    const results = await orch.batchExecute(
      [
        { terminalId: a!.id, command: 'false' },
        { terminalId: a!.id, command: 'echo a-second' },
        { terminalId: b!.id, command: 'sleep 0.5; echo b-first' },
        { terminalId: b!.id, command: 'echo b-second' },
      ],
      { mode: 'parallel', stopOnError: true },
    );
    expect(results[0]).toMatchObject({ ok: true, result: { exitCode: 1 } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
    expect(results[2]).toMatchObject({ ok: true, result: { stdout: 'b-first\n' } });
    expect(results[3]).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
  });

  it('admits each command through the plugins and reports denials per item', async () => {
    orch = Orchestrator.builder()
      .withPlugin({
        metadata: { name: 'deny-rm', version: '1' },
        onCommandExecute: ({ command }) => !command.startsWith('rm'),
      })
      .build();
    const t = await orch.spawnTerminal('b');
    const results = await orch.batchExecute([
      { terminalId: t.id, command: 'rm -f nothing' },
      { terminalId: t.id, command: 'echo allowed' },
    ]);
    expect(results).toMatchObject([
      { ok: false, error: { code: ErrorCode.PolicyDenied } },
      { ok: true, result: { stdout: 'allowed\n' } },
    ]);
  });

  it('rejects an empty or malformed batch', async () => {
    orch = new Orchestrator();
    expectCode(await rejection(orch.batchExecute([])), ErrorCode.InvalidParams);
    expectCode(
      await rejection(orch.batchExecute([{ terminalId: 'x', command: '' }])),
      ErrorCode.InvalidParams,
    );
  });
});
