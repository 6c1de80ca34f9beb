// One function typed with `TerminalLike` runs unchanged on an in-process `TerminalHandle` and on a
// client's `RemoteTerminal` (real shells; the remote one over the in-memory channel) and sees the
// same results: the shared type is a promise that code moves between embedded and remote.
import { OrchflowClient } from '@orchflow/client';
import type { ExitInfo, TerminalLike } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';

let orch: Orchestrator | undefined;
let client: OrchflowClient | undefined;
afterEach(async () => {
  await client?.close();
  await orch?.shutdown();
  client = undefined;
  orch = undefined;
});

/** What an agent does with a terminal, written once against the shared type. */
async function exercise(t: TerminalLike) {
  const seen: string[] = [];
  const result = await t.execute('echo built; (exit 3)', {
    timeoutMs: 10_000,
    onOutput: (chunk) => seen.push(chunk.data),
  });
  const from = (await t.read({ maxBytes: 1 })).endOffset;
  const live: string[] = [];
  const listening = await t.onOutput((chunk) => live.push(chunk.data));
  await t.execute('echo second');
  // A command's output reaches the terminal's listeners before its result.
  const heardBeforeResult = live.join('');
  listening.dispose();
  let streamed = '';
  for await (const event of t.stream({ fromOffset: from })) {
    if (event.type === 'data') streamed += event.data;
    if (streamed.includes('second')) break;
  }
  const size = await t.resize(100, 30);
  const activity = await t.activity();
  const history = await t.history(5);
  const screen = await t.snapshot();
  let heard: (exit: ExitInfo) => void = () => undefined;
  const exitHeard = new Promise<ExitInfo>((resolve) => {
    heard = resolve;
  });
  await t.onExit((e) => heard(e));
  const exit = await t.kill();
  const heardExit = await exitHeard;
  const afterKill = t.info();
  return {
    heardBeforeResult,
    afterKill,
    result,
    seen: seen.join(''),
    streamed,
    size,
    activity,
    history,
    screen,
    exit,
    heardExit,
  };
}

describe('TerminalLike', () => {
  it('the same function gives the same answers in process and over a client', async () => {
    orch = Orchestrator.builder().build();
    client = await OrchflowClient.fromChannel(connect(orch, { kind: 'admin', name: 'test' }));
    const local = await orch.spawnTerminal('agent', { shell: 'bash' });
    const remote = await client.spawnTerminal('agent', { shell: 'bash' });

    for (const t of [local, remote]) {
      const r = await exercise(t);
      expect(r.result.exitCode, t.constructor.name).toBe(3);
      expect(r.result.stdout.trim()).toBe('built');
      expect(r.seen).toContain('built');
      expect(r.streamed).toContain('second');
      expect(r.size).toEqual({ cols: 100, rows: 30 });
      expect(r.activity.activity).toBe('idle');
      expect(r.history.map((h) => h.command)).toEqual(['echo built; (exit 3)', 'echo second']);
      expect(r.screen.cols).toBe(100);
      expect(r.heardExit).toEqual(r.exit);
      expect(r.exit.reason).toBeUndefined();
      expect(r.exit.exitCode !== null || r.exit.signal !== null).toBe(true);
      expect(r.heardBeforeResult).toContain('second');
      expect(r.afterKill).toMatchObject({
        id: t.id,
        agentId: 'agent',
        state: 'exited',
        exitCode: r.exit.exitCode,
      });
    }
  });
});
