// Conformance, output streams: replay from an offset then live output, `end` when the terminal
// exits, live `onOutput` listeners, ending a stream with its signal (also one aborted while it
// subscribes), and — on transports that resume — a stream that survives a dropped connection with
// no byte lost or repeated.
import type { OutputChunk, OutputEvent } from '@orchflow/client';
import { expect, it } from 'vitest';
import { eventually, quietEcho, readUntil, serve, TOKENS, type TransportCase } from './harness';

/** Registers the streaming tests for `transport`. */
export function streamTests(transport: TransportCase): void {
  it('streams retained output from an offset, then live output, then end on exit', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-stream');
    await terminal.execute('echo before-stream');
    const events: OutputEvent[] = [];
    const reading = (async () => {
      for await (const event of terminal.stream({ fromOffset: 0 })) events.push(event);
    })();
    await eventually(() => textOf(events).includes('before-stream'), 'the replayed output');
    await terminal.execute(quietEcho('live-after'));
    await eventually(() => textOf(events).includes('live-after'), 'the live output');
    await terminal.kill();
    await reading;
    expect(events.at(-1)?.type).toBe('end');
    expect(events[0]).toMatchObject({ type: 'data', offset: 0 });
    expectContiguous(events);
  });

  it("calls onOutput listeners with live output (a command's all before its result) until disposed", async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-listen');
    const seen: OutputChunk[] = [];
    const listening = await terminal.onOutput((chunk) => seen.push(chunk));
    await terminal.execute(quietEcho('heard-it'));
    expect(seen.map((c) => c.data).join('')).toContain('heard-it');
    listening.dispose();
    const count = seen.length;
    // A command completes only after its output was delivered to the server's subscribers.
    await terminal.execute(quietEcho('after-dispose'));
    await terminal.execute('true');
    expect(
      seen
        .slice(count)
        .map((c) => c.data)
        .join(''),
    ).not.toContain('after-dispose');
  });

  it('ends a stream when its signal aborts', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-stream-abort');
    const abort = new AbortController();
    const events: OutputEvent[] = [];
    const reading = (async () => {
      for await (const event of terminal.stream({ fromOffset: 0, signal: abort.signal })) events.push(event);
    })();
    await terminal.execute(quietEcho('seen-once'));
    await eventually(() => textOf(events).includes('seen-once'), 'the output');
    abort.abort();
    await reading;
    expect(events.some((event) => event.type === 'end')).toBe(false);
    expect((await terminal.execute('echo alive')).stdout).toBe('alive\n');
  });

  it('ends a stream whose signal aborts while it is still subscribing', async () => {
    const { admin } = await serve(transport);
    const terminal = await admin.spawnTerminal('conf-stream-abort-early');
    for (let i = 0; i < 5; i++) {
      const abort = new AbortController();
      const reading = (async () => {
        for await (const _ of terminal.stream({ signal: abort.signal })) {
          // Nothing is printed: the stream has only its end to wait for.
        }
      })();
      // The subscribe request is in flight now.
      abort.abort();
      await reading;
    }
    expect((await terminal.execute('echo alive')).stdout).toBe('alive\n');
  });

  it.runIf(transport.resumable)(
    'resumes a stream after a dropped connection with no loss or repeats',
    async () => {
      const { connect } = await serve(transport);
      const connection = await connect(TOKENS.admin);
      const terminal = await connection.client.spawnTerminal('conf-resume');
      const stream = terminal.stream({ fromOffset: 0 });
      const script =
        'for i in $(seq 1 1500); do echo line-$i; [ $((i % 100)) = 0 ] && sleep 0.05; done; echo DONE-$((40+2))';
      const reading = readUntil(stream, 'DONE-42', { at: 'line-300', midway: () => connection.drop() });
      await terminal.write(`${script}\r`);
      const { text, events } = await reading;
      expect(connection.resumes()).toBeGreaterThan(0);
      expectContiguous(events);
      expect(events.some((event) => event.type === 'gap')).toBe(false);
      const all = await terminal.read({ fromOffset: 0, maxBytes: 4 * 1024 * 1024 });
      expect(text).toBe(all.data.slice(0, text.length));
      for (const n of [1, 300, 301, 1500]) expect(text).toContain(`line-${n}\r\n`);
    },
    60_000,
  );
}

function textOf(events: OutputEvent[]): string {
  return events.map((event) => (event.type === 'data' ? event.data : '')).join('');
}

/** Each data event starts where the previous one ended. */
function expectContiguous(events: OutputEvent[]): void {
  let expected: number | undefined;
  for (const event of events) {
    if (event.type !== 'data') continue;
    if (expected !== undefined) expect(event.offset).toBe(expected);
    expected = event.nextOffset;
  }
}
