// Typed `on(...)` events and `subscribeEvents()` streams, including the bounded queue.
import { rawOutputOf } from '@orchflow/terminal/internal';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CommandEndEvent,
  type CommandStartEvent,
  Orchestrator,
  type OrchestratorEvent,
  type TerminalOutputEvent,
} from '../src/index';
import { waitFor } from './helpers';

let orch: Orchestrator;
afterEach(async () => {
  await orch?.shutdown();
});

describe('events', () => {
  it('emits spawn, output, command start/end and exit to typed listeners', async () => {
    orch = new Orchestrator();
    const spawned: string[] = [];
    const starts: CommandStartEvent[] = [];
    const ends: CommandEndEvent[] = [];
    const exits: unknown[] = [];
    let output = '';
    orch
      .on('terminal.spawn', (e) => spawned.push(e.terminal.id))
      .on('command.start', (e) => starts.push(e))
      .on('command.end', (e) => ends.push(e))
      .on('terminal.output', (e) => (output += e.data))
      .on('terminal.exit', (e) => exits.push(e));
    const t = await orch.spawnTerminal('ev');
    expect(spawned).toEqual([t.id]);
    await t.execute('echo event-$((6*7)); false');
    expect(starts).toMatchObject([
      { terminalId: t.id, agentId: 'ev', command: 'echo event-$((6*7)); false' },
    ]);
    expect(ends).toMatchObject([{ commandId: starts[0]?.commandId, exitCode: 1, timedOut: false }]);
    await waitFor(() => output.includes('event-42'), 'output event');
    await t.kill();
    expect(exits).toMatchObject([{ terminalId: t.id, agentId: 'ev' }]);
  });

  it('terminal.output carries the chunk bytes (rawOutputOf) and serializes as plain text', async () => {
    orch = new Orchestrator();
    const events: TerminalOutputEvent[] = [];
    orch.on('terminal.output', (e) => events.push(e));
    const t = await orch.spawnTerminal('ev');
    // Two output batches (the pause ends the first).
    await t.execute("printf 'bytes-\\342\\202\\254-%s\\n' end; sleep 0.1; echo second-batch");
    await waitFor(() => events.some((e) => e.data.includes('second-batch')), 'output events');
    await t.kill();
    const event = events.find((e) => e.data.includes('bytes-€-end')) as TerminalOutputEvent;
    expect(Buffer.from(rawOutputOf(event) ?? []).toString('utf8')).toBe(event.data);
    // One getter for all events (a getter per object kept decoded text alive through young GCs).
    expect(events.length).toBeGreaterThan(1);
    expect(new Set(events.map((e) => Object.getOwnPropertyDescriptor(e, 'data')?.get)).size).toBe(1);
    // Listeners, spreads and JSON see what they always saw: no bytes among the fields.
    expect(Reflect.ownKeys({ ...event })).toEqual(['terminalId', 'agentId', 'data', 'offset']);
    expect(JSON.parse(JSON.stringify(event))).toEqual({
      terminalId: t.id,
      agentId: 'ev',
      data: event.data,
      offset: event.offset,
    });
    // A listener may rewrite data, as when it was a plain value; the bytes no longer match then.
    event.data = 'rewritten';
    expect(event.data).toBe('rewritten');
    expect(rawOutputOf(event)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(event)).data).toBe('rewritten');
  });

  it('output and command events reach listeners and streams added after the terminal spawned', async () => {
    orch = new Orchestrator();
    const t = await orch.spawnTerminal('ev');
    await t.execute('echo before-anyone-listens');
    let output = '';
    orch.on('terminal.output', (e) => (output += e.data));
    const stream = orch.subscribeEvents({ types: ['terminal.command'] });
    await t.execute('echo late-$((6*7))');
    await waitFor(() => output.includes('late-42'), 'output event');
    const commands: string[] = [];
    for await (const event of stream) {
      if (event.type !== 'terminal.command') continue;
      commands.push(`${event.data.type} ${event.data.record.command}`);
      if (event.data.type === 'end') break;
    }
    expect(commands).toEqual(['start echo late-$((6*7))', 'end echo late-$((6*7))']);
    await t.kill();
  });

  it('listeners added one by one scan the terminals once per kind, even when the other kind is never heard', async () => {
    orch = new Orchestrator();
    await orch.spawnTerminal('ev');
    await orch.spawnTerminal('ev');
    // The registry is internal; counting its scans is what this test is about.
    const registry = (orch as unknown as { registry: { list(): unknown[] } }).registry;
    const list = registry.list.bind(registry);
    let scans = 0;
    registry.list = () => {
      scans++;
      return list();
    };
    for (let i = 0; i < 5; i++) orch.on('terminal.output', () => undefined);
    expect(scans).toBe(1);
    for (let i = 0; i < 5; i++) orch.on('terminal.command', () => undefined);
    expect(scans).toBe(2);
  });

  it('reports a failed command in command.end with its error', async () => {
    orch = new Orchestrator();
    const ends: CommandEndEvent[] = [];
    orch.on('command.end', (e) => ends.push(e));
    const t = await orch.spawnTerminal('ev');
    const controller = new AbortController();
    const running = t.execute('sleep 30', { signal: controller.signal });
    await waitFor(() => t.info().state === 'running', 'start');
    setTimeout(() => controller.abort(), 100);
    await expect(running).rejects.toMatchObject({ codeName: 'Cancelled' });
    expect(ends[0]?.error).toMatchObject({ code: -32009 });
  });

  it('a throwing listener does not break the command that emitted the event', async () => {
    orch = new Orchestrator();
    orch.on('command.start', () => {
      throw new Error('listener bug');
    });
    const t = await orch.spawnTerminal('ev');
    expect((await t.execute('echo survived')).stdout).toBe('survived\n');
  });

  it('subscribeEvents yields events in order and ends after shutdown', async () => {
    orch = new Orchestrator();
    const stream = orch.subscribeEvents({ types: ['terminal.spawn', 'command.end', 'terminal.exit'] });
    const t = await orch.spawnTerminal('sub');
    await t.execute('echo hi');
    await orch.shutdown();
    const seen: OrchestratorEvent[] = [];
    for await (const ev of stream) seen.push(ev);
    expect(seen.map((e) => e.type)).toEqual(['terminal.spawn', 'command.end', 'terminal.exit']);
  });

  it('a slow subscriber keeps a bounded queue and gets a counted drop marker', async () => {
    orch = new Orchestrator();
    const stream = orch.subscribeEvents({ types: ['command.end'], queueSize: 3 });
    const t = await orch.spawnTerminal('slow');
    for (let i = 0; i < 8; i++) await t.execute(`echo ${i}`);
    const first = await stream.next();
    expect(first.value).toEqual({ type: 'events.dropped', data: { count: 5 } });
    const rest: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { value } = await stream.next();
      if (value?.type === 'command.end') rest.push(value.data.command);
    }
    expect(rest).toEqual(['echo 5', 'echo 6', 'echo 7']);
  });

  it('stops a stream on break and on abort', async () => {
    orch = new Orchestrator();
    const controller = new AbortController();
    const aborted = orch.subscribeEvents({ signal: controller.signal });
    const broken = orch.subscribeEvents();
    const pending = aborted.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    await orch.spawnTerminal('b');
    for await (const ev of broken) {
      expect(ev.type).toBe('terminal.spawn');
      break;
    }
    expect(broken.isClosed).toBe(true);
  });
});
