// Terminal activity through the orchestrator: a handle reports it and its changes, and an unknown
// terminal is TerminalNotFound (the RPC path is covered by the server's conformance suite).
import { ErrorCode, type TerminalActivity } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('Orchestrator activity', () => {
  it('reports a terminal awaiting input and its return to idle', async () => {
    orch = new Orchestrator();
    const term = await orch.spawnTerminal('act');
    expect(term.activity()).toMatchObject({ terminalId: term.id, activity: 'idle' });
    const seen: TerminalActivity[] = [];
    const listening = term.onActivity((state) => seen.push(state));
    const run = term.execute('read answer', { timeoutMs: 60_000 });
    await waitFor(() => orch.activity(term.id).activity === 'awaiting_input', 'awaiting input', 20_000);
    await waitFor(() => seen.some((s) => s.activity === 'awaiting_input'), 'the awaiting event', 20_000);
    await term.write('yes\r');
    expect((await run).exitCode).toBe(0);
    await waitFor(() => seen.at(-1)?.activity === 'idle', 'the idle event', 20_000);
    listening.dispose();
  });

  it('refuses an unknown terminal with TerminalNotFound', () => {
    orch = new Orchestrator();
    let error: unknown;
    try {
      orch.activity('no-such-terminal');
    } catch (e) {
      error = e;
    }
    expectCode(error, ErrorCode.TerminalNotFound);
    expect(() => orch.onActivity('no-such-terminal', () => undefined)).toThrow();
  });
});
