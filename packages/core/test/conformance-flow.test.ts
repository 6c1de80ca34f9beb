// Batches, transactions, output streaming with resume from an offset, and shutdown, run through
// the in-process API and `OrchflowClient.direct` with the same test bodies.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { OrchestratorOptions } from '../src/options';
import { Orchestrator } from '../src/orchestrator';
import { collect, TARGETS, type Target, type TargetFactory } from './conformance-harness';
import { alive, expectCode, rejection, waitFor } from './helpers';

async function setup(factory: TargetFactory, options: OrchestratorOptions = {}) {
  const orch = new Orchestrator(options);
  const target: Target = await factory.make(orch);
  onTestFinished(async () => {
    await target.close();
    await orch.shutdown();
  });
  return { orch, target };
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchflow-conf-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const denyMarked = {
  metadata: { name: 'deny-marked', version: '1.0.0' },
  onCommandExecute: ({ command }: { command: string }) => !command.includes('#deny'),
};

describe.each(TARGETS)('conformance: batches and transactions ($name)', (factory) => {
  it('runs a sequential batch in order and stops at the first failure when asked', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    const results = await target.batch(
      [
        { terminalId: t.id, command: 'echo one' },
        { terminalId: t.id, command: 'exit_status() { return 3; }; exit_status' },
        { terminalId: t.id, command: 'echo three' },
      ],
      { stopOnError: true },
    );
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ ok: true, result: { stdout: 'one\n', exitCode: 0 } });
    expect(results[1]).toMatchObject({ ok: true, result: { exitCode: 3 } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: ErrorCode.Cancelled } });
  });

  it('runs a parallel batch across terminals, results in the given order', async () => {
    const { target } = await setup(factory);
    const a = await target.spawn('a');
    const b = await target.spawn('b');
    const results = await target.batch(
      [
        { terminalId: a.id, command: 'sleep 0.3; echo from-a' },
        { terminalId: b.id, command: 'echo from-b' },
        { terminalId: 'no-such-terminal', command: 'echo x' },
      ],
      { mode: 'parallel' },
    );
    expect(results[0]).toMatchObject({ ok: true, terminalId: a.id, result: { stdout: 'from-a\n' } });
    expect(results[1]).toMatchObject({ ok: true, terminalId: b.id, result: { stdout: 'from-b\n' } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: ErrorCode.TerminalNotFound } });
  });

  it('commits a transaction whose commands are all admitted', async () => {
    const { target } = await setup(factory, { plugins: [denyMarked] });
    const dir = scratchDir();
    const t = await target.spawn('test');
    const tx = await target.transaction();
    const results = await tx.commit([
      { terminalId: t.id, command: `touch ${dir}/first` },
      { terminalId: t.id, command: `touch ${dir}/second && echo done` },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(existsSync(join(dir, 'first')) && existsSync(join(dir, 'second'))).toBe(true);
  });

  it('runs no command of a transaction when one is denied', async () => {
    const { target } = await setup(factory, { plugins: [denyMarked] });
    const dir = scratchDir();
    const t = await target.spawn('test');
    const tx = await target.transaction();
    const error = expectCode(
      await rejection(
        tx.commit([
          { terminalId: t.id, command: `touch ${dir}/must-not-exist` },
          { terminalId: t.id, command: 'echo bad #deny' },
        ]),
      ),
      ErrorCode.PolicyDenied,
    );
    expect(error.message).toContain('no command ran');
    expect(existsSync(join(dir, 'must-not-exist'))).toBe(false);
  });

  it('commits commands queued with add() before those passed to commit()', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    const tx = await target.transaction();
    tx.add(t.id, 'echo one').add(t.id, 'echo two');
    const results = await tx.commit([{ terminalId: t.id, command: 'echo three' }]);
    expect(results.map((r) => (r.ok ? r.result.stdout : r.error.message))).toEqual([
      'one\n',
      'two\n',
      'three\n',
    ]);
  });

  it('takes input as bytes and resizes, with the same calls and results', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    expect(await t.resize(100, 30)).toEqual({ cols: 100, rows: 30 });
    await t.write(new TextEncoder().encode('echo bytes-$((6 * 7))\r'));
    let seen = '';
    for await (const item of t.stream({ fromOffset: 0 })) {
      if (item.type === 'data') seen += item.data;
      if (seen.includes('bytes-42')) break;
    }
    expect(seen).toContain('bytes-42');
  });

  it('rolls back a transaction; committing it afterwards is InvalidState', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    const tx = await target.transaction();
    await tx.rollback();
    expectCode(await rejection(tx.commit([{ terminalId: t.id, command: 'echo x' }])), ErrorCode.InvalidState);
  });
});

describe.each(TARGETS)('conformance: streaming and shutdown ($name)', (factory) => {
  it('resumes a stream from an offset with no duplicate or missing bytes', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    await t.execute('echo first-part');
    const first = await collect(t.stream({ fromOffset: 0 }), (text) => text.includes('first-part\r\n'));
    const last = first.at(-1);
    if (last?.type !== 'data') throw new Error('expected the stream to end on data');
    const resumeAt = last.nextOffset;

    await t.execute('for i in 1 2 3 4 5; do echo "second-$i"; done');
    const rest = await collect(t.stream({ fromOffset: resumeAt }), (text) => text.includes('second-5\r\n'));
    const firstData = rest[0];
    expect(firstData).toMatchObject({ type: 'data', offset: resumeAt });

    // Contiguous: each chunk starts where the previous ended.
    const chunks = [...first, ...rest].filter((item) => item.type === 'data');
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.offset).toBe(chunks[i - 1]?.nextOffset);
    const streamed = chunks.map((c) => c.data).join('');
    const end = chunks.at(-1)?.nextOffset ?? 0;
    const page = await t.read({ fromOffset: 0, maxBytes: end });
    expect(streamed).toBe(page.data);
  });

  it('ends a stream with an end event after the terminal exits, after its last output', async () => {
    const { target } = await setup(factory);
    const t = await target.spawn('test');
    const items = collect(t.stream({}), () => false);
    await t.write('echo bye-bye; exit 0\r');
    const all = await items;
    expect(all.at(-1)?.type).toBe('end');
    const text = all.map((item) => (item.type === 'data' ? item.data : '')).join('');
    expect(text).toContain('bye-bye');
  });

  it('shutdown leaves no processes behind', async () => {
    const { orch, target } = await setup(factory);
    const pids: number[] = [];
    for (const agent of ['a', 'b']) {
      const t = await target.spawn(agent);
      const shell = (await target.list({ agentId: agent }))[0]?.pid;
      if (shell === undefined) throw new Error('terminal not listed');
      // Interactive bash also prints a job line ("[1] 123"), hence the marker.
      const child = await t.execute('sleep 300 & echo "pid=$!"');
      pids.push(shell, Number(/pid=(\d+)/.exec(child.stdout)?.[1]));
    }
    expect(pids.every((pid) => pid > 0 && alive(pid))).toBe(true);
    await orch.shutdown();
    await waitFor(() => pids.every((pid) => !alive(pid)), 'every shell and child to exit');
    expect(orch.listTerminals()).toEqual([]);
  });
});
