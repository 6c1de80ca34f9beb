// `awaiting_input`: a command blocked reading the terminal (from the kernel, through the
// orchestrator's terminal.activity) ends a held terminal_run at once with that status, and
// terminal_write answers it. Real programs: bash `read`, python3 `input()`, `cat`.
import type { Client } from '@modelcontextprotocol/client';
import type { Orchestrator } from '@orchflow/core';
import { SecurityPresets } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../src';
import { linkedClient, orchestrator, structured } from './helpers';

describe('awaiting_input (v2 client, trusted policy so raw input is allowed)', { timeout: 90_000 }, () => {
  let orch: Orchestrator;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    orch = await orchestrator(SecurityPresets.trusted);
    ({ client, close } = await linkedClient(orch, { name: 'input-agent' }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await orch?.shutdown();
  }, 60_000);

  const call = async (name: string, args: Record<string, unknown>) =>
    structured<CommandReport>(name, await client.callTool({ name, arguments: args }));

  const cases = [
    {
      program: 'bash read',
      command: 'read -r answer; echo "got $answer"',
      input: ['hello', ['Enter']],
      expected: 'got hello',
    },
    {
      program: 'python3 input()',
      command: `python3 -c 'print("py:" + input("name? ").upper())'`,
      input: ['orch', ['Enter']],
      expected: 'py:ORCH',
    },
    { program: 'cat', command: 'cat', input: ['line-one', ['Enter', 'Ctrl-D']], expected: 'line-one' },
  ] as const;

  for (const { program, command, input, expected } of cases) {
    it(`${program}: terminal_run returns awaiting_input long before yield_ms, terminal_write answers`, async () => {
      const spawned = structured<{ terminal_id: string }>(
        'terminal_spawn',
        await client.callTool({ name: 'terminal_spawn', arguments: {} }),
      );
      const started = await call('terminal_run', {
        command,
        terminal_id: spawned.terminal_id,
        yield_ms: 45_000,
      });
      expect(started.status).toBe('awaiting_input');
      expect(started.duration_ms).toBeLessThan(40_000);
      await client.callTool({
        name: 'terminal_write',
        arguments: { terminal_id: spawned.terminal_id, text: input[0], keys: [...input[1]] },
      });
      const done = await call('terminal_wait', {
        terminal_id: spawned.terminal_id,
        until: 'exit',
        timeout_ms: 45_000,
      });
      expect(done).toMatchObject({ status: 'exited', exit_code: 0, condition_met: true });
      expect(done.output).toContain(expected);
    });
  }

  it('a second question after an answer is awaiting_input again, not a wait that runs out', async () => {
    const spawned = structured<{ terminal_id: string }>(
      'terminal_spawn',
      await client.callTool({ name: 'terminal_spawn', arguments: {} }),
    );
    const terminal_id = spawned.terminal_id;
    const command = `python3 -c 'a = input("first? "); b = input("second? "); print("got", a, b)'`;
    const started = await call('terminal_run', { command, terminal_id, yield_ms: 45_000 });
    expect(started.status).toBe('awaiting_input');
    await client.callTool({
      name: 'terminal_write',
      arguments: { terminal_id, text: 'one', keys: ['Enter'] },
    });
    const asked = await call('terminal_wait', { terminal_id, until: 'exit', timeout_ms: 45_000 });
    expect(asked.status).toBe('awaiting_input');
    expect(asked.duration_ms).toBeLessThan(40_000);
    await client.callTool({
      name: 'terminal_write',
      arguments: { terminal_id, text: 'two', keys: ['Enter'] },
    });
    const done = await call('terminal_wait', { terminal_id, until: 'exit', timeout_ms: 45_000 });
    expect(done).toMatchObject({ status: 'exited', exit_code: 0, condition_met: true });
    expect(done.output).toContain('got one two');
  });

  it('a command that only sleeps is running, not awaiting input', async () => {
    const started = await call('terminal_run', { command: 'sleep 2', yield_ms: 1_000 });
    expect(started.status).toBe('running');
    await call('terminal_wait', { terminal_id: started.terminal_id, until: 'exit', timeout_ms: 45_000 });
  });
});
