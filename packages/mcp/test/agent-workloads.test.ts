// What agents do that a single sequential caller does not (found by driving the server as an agent
// host would): runs made in parallel, waits longer than a client's request timeout, output of a
// background job, input the policy refuses, and resources of terminals that are gone.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, orchestrator, structured, textOf } from './helpers';

describe('agent workloads (v2 client, in memory, standard policy)', { timeout: 90_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    orch = await orchestrator();
    ({ client, close } = await linkedClient(orch, { name: 'workloads' }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  const call = (name: string, args: Record<string, unknown>, options?: object) =>
    client.callTool({ name, arguments: args }, options);
  const run = async (args: Record<string, unknown>) =>
    structured<CommandReport>('terminal_run', await call('terminal_run', args));
  const liveTerminals = () => orch.listTerminals().filter((t) => t.state !== 'exited').length;

  it('runs parallel calls with different cwd each in its own directory', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([
        call('terminal_run', { command: 'pwd', cwd: '/tmp' }),
        call('terminal_run', { command: 'pwd', cwd: '/usr' }),
      ]);
      const ra = structured<CommandReport>('terminal_run', a);
      const rb = structured<CommandReport>('terminal_run', b);
      expect([ra.output.trim(), ra.exit_code]).toEqual(['/tmp', 0]);
      expect([rb.output.trim(), rb.exit_code]).toEqual(['/usr', 0]);
      expect(ra.terminal_id).not.toBe(rb.terminal_id);
    }
  });

  it('reuses idle shells for parallel runs and keeps the default shell’s state', async () => {
    await run({ command: 'export WORKLOAD_MARK=kept; cd /var' });
    const before = liveTerminals();
    for (let turn = 0; turn < 8; turn++) {
      const reports = await Promise.all([1, 2, 3].map((i) => run({ command: `echo turn-${turn}-${i}` })));
      for (const [i, report] of reports.entries()) expect(report.output.trim()).toBe(`turn-${turn}-${i + 1}`);
    }
    // Three at a time need the default and two spares, whatever the number of turns.
    expect(liveTerminals()).toBeLessThanOrEqual(before + 2);
    const after = await run({ command: 'echo "$WORKLOAD_MARK $PWD"' });
    expect(after.output.trim()).toBe('kept /var');
  });

  it('refuses a run on a terminal another run is starting a command in', async () => {
    const spawned = structured<{ terminal_id: string }>('terminal_spawn', await call('terminal_spawn', {}));
    const id = spawned.terminal_id;
    const [first, second] = await Promise.all([
      call('terminal_run', { command: 'pwd', cwd: '/tmp', terminal_id: id }),
      call('terminal_run', { command: 'pwd', cwd: '/usr', terminal_id: id }),
    ]);
    expect(structured<CommandReport>('terminal_run', first).output.trim()).toBe('/tmp');
    expect((second as { isError?: boolean }).isError).toBe(true);
    expect(textOf(second)).toMatch(/is starting another terminal_run's command|is still running/);
  });

  it('sends progress during a terminal_wait, also while the command prints nothing', async () => {
    const started = await run({ command: 'echo begin; sleep 12; echo end', yield_ms: 500 });
    expect(started.status).toBe('running');
    const seen: { progress: number; total?: number }[] = [];
    const waited = structured<CommandReport>(
      'terminal_wait',
      await call(
        'terminal_wait',
        { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 60_000 },
        { onprogress: (p: { progress: number; total?: number }) => seen.push(p) },
      ),
    );
    expect(waited).toMatchObject({ status: 'exited', exit_code: 0, condition_met: true });
    // Nothing is printed for 12 s: the heartbeat (every 10 s) still reports the call holds.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.total === 60_000)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
  });

  it('an output wait after a command that started a background job shows the job’s new output', async () => {
    const started = await run({
      command: '(for i in 1 2 3; do sleep 0.5; echo "job line $i"; done) &',
    });
    expect(started.status).toBe('exited');
    let shown = '';
    let lastNext = started.next_offset;
    for (let i = 0; i < 10 && !shown.includes('job line 3'); i++) {
      const waited = structured<CommandReport>(
        'terminal_wait',
        await call('terminal_wait', {
          terminal_id: started.terminal_id,
          until: 'output',
          timeout_ms: 10_000,
        }),
      );
      expect(waited.condition_met).toBe(true);
      expect(waited.output_offset).toBe(lastNext);
      expect(waited.next_offset).toBeGreaterThan(lastNext);
      lastNext = waited.next_offset;
      shown += waited.output;
    }
    expect(shown).toContain('job line 1');
    expect(shown).toContain('job line 3');
  });

  it('a refused terminal_write leaves the command awaiting input and says what to do', async () => {
    const started = await run({ command: "read -p 'Continue? ' answer; echo got-$answer", yield_ms: 5000 });
    expect(started.status).toBe('awaiting_input');
    const refused = await call('terminal_write', {
      terminal_id: started.terminal_id,
      text: 'y',
      keys: ['Enter'],
    });
    expect((refused as { isError?: boolean }).isError).toBe(true);
    expect(textOf(refused)).toContain('Run commands that do not prompt instead');
    expect(textOf(refused)).not.toContain('execute()');
    const t0 = Date.now();
    const waited = structured<CommandReport>(
      'terminal_wait',
      await call('terminal_wait', { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 20_000 }),
    );
    expect(waited.status).toBe('awaiting_input');
    expect(Date.now() - t0).toBeLessThan(10_000);
    await call('terminal_write', { terminal_id: started.terminal_id, keys: ['Ctrl-C'] });
  });

  it('says when a long output’s start is no longer retained, in the report and in terminal_read', async () => {
    // 3 MB through a 1 MiB scrollback: its first 2 MB are gone by the time the command ends.
    const report = await run({ command: "head -c 3000000 /dev/zero | tr '\\0' a; echo" });
    expect(report).toMatchObject({ status: 'exited', exit_code: 0, truncated: true });
    const retained = /before offset (\d+) is no longer retained; terminal_read from_offset (\d+)/.exec(
      report.output,
    );
    expect(retained?.[1]).toBe(retained?.[2]);
    expect(Number(retained?.[1])).toBeGreaterThan(report.output_offset);
    const read = await call('terminal_read', {
      terminal_id: report.terminal_id,
      from_offset: report.output_offset,
      max_bytes: 1024,
    });
    expect(textOf(read)).toMatch(/^\(bytes \d+\.\.\d+ are no longer retained/);
  });

  it('answers resources of an unknown terminal with MCP’s resource-not-found error', async () => {
    for (const uri of ['orchflow://terminals/t-none/output', 'orchflow://terminals/t-none/screen']) {
      const read = await client.readResource({ uri }).then(
        () => undefined,
        (error: { code?: number; message?: string }) => error,
      );
      expect(read?.code).toBe(-32602);
      expect(read?.message).toContain('t-none');
      const subscribed = await client.subscribeResource({ uri }).then(
        () => undefined,
        (error: { code?: number }) => error,
      );
      expect(subscribed?.code).toBe(-32602);
    }
  });
});
