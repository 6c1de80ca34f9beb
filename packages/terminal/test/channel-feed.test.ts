// ChannelFeed: one terminal's output as `terminal.output`/`terminal.exit` notifications on a
// channel, acknowledged when the send resolves (what core's `terminal.subscribe` builds on).
import { DirectChannel, type IpcChannel, JSONRPC_VERSION, type JsonRpcMessage } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelFeed } from '../src/output/channel-feed';
import { Terminal, type TerminalSpawnOptions } from '../src/terminal';

interface Note {
  method: string;
  params: Record<string, unknown>;
}

const terminals: Terminal[] = [];

afterEach(async () => {
  for (const t of terminals.splice(0)) await t.kill();
});

async function spawn(options: TerminalSpawnOptions = {}): Promise<Terminal> {
  const t = await Terminal.spawn({ shell: 'bash', ...options });
  terminals.push(t);
  return t;
}

/** Feeds `terminal` to `channel` through a flow-controlled subscription, as core does. */
function feed(
  channel: IpcChannel,
  terminal: Terminal,
  options: { highWaterMark?: number; onError?: (error: unknown) => void } = {},
): ChannelFeed {
  const f = new ChannelFeed({
    terminalId: terminal.id,
    exited: terminal.exited,
    notify: ({ method, params }) => channel.send({ jsonrpc: JSONRPC_VERSION, method, params }),
    onError: options.onError ?? (() => {}),
  });
  f.attach(
    terminal.subscribe({ manualAck: true, highWaterMark: options.highWaterMark ?? 1024 * 1024 }, f.push),
  );
  return f;
}

/** Reads notifications from the client end until `done` says stop. */
async function collect(client: DirectChannel, done: (notes: Note[]) => boolean): Promise<Note[]> {
  const notes: Note[] = [];
  while (!done(notes)) {
    const message = (await client.receive()) as { method: string; params: Record<string, unknown> };
    notes.push({ method: message.method, params: message.params });
  }
  return notes;
}

const outputText = (notes: Note[], id: string): string =>
  notes
    .filter((n) => n.method === 'terminal.output' && n.params.terminalId === id)
    .map((n) => n.params.data as string)
    .join('');

describe('ChannelFeed', () => {
  it('publishes output with contiguous offsets, then the exit after the last output', async () => {
    const [server, client] = DirectChannel.pair();
    const t = await spawn();
    feed(server, t);
    t.write("printf 'hello %s\\n' stream; exit 3\r");
    const notes = await collect(client, (ns) => ns.some((n) => n.method === 'terminal.exit'));
    const outputs = notes.filter((n) => n.method === 'terminal.output');
    expect(outputText(notes, t.id)).toContain('hello stream');
    let offset = outputs[0]?.params.offset as number;
    for (const n of outputs) {
      expect(n.params.offset).toBe(offset);
      offset += Buffer.byteLength(n.params.data as string);
    }
    expect(notes.at(-1)).toEqual({
      method: 'terminal.exit',
      params: { terminalId: t.id, exitCode: 3, signal: null },
    });
  });

  it('keeps feeding a channel when another channel of the same terminal closed', async () => {
    const [s1, c1] = DirectChannel.pair();
    const [s2, c2] = DirectChannel.pair();
    const t = await spawn();
    feed(s1, t);
    feed(s2, t);
    await c1.close();
    t.write('echo still-here\r');
    await collect(c2, (ns) => outputText(ns, t.id).includes('still-here\r\n'));
  });

  it('pauses a terminal whose channel does not keep up, and resumes when it does', async () => {
    const [server, client] = DirectChannel.pair();
    let release: () => void = () => {};
    let gate = new Promise<void>((resolve) => (release = resolve));
    // A slow transport: sends complete only when the test opens the gate.
    const slow: IpcChannel = {
      send: async (message: JsonRpcMessage) => {
        await gate;
        return server.send(message);
      },
      receive: () => server.receive(),
      close: () => server.close(),
      get closed() {
        return server.closed;
      },
      [Symbol.asyncIterator]: () => server[Symbol.asyncIterator](),
    };
    const t = await spawn({ scrollbackBytes: 4 * 1024 * 1024 });
    feed(slow, t, { highWaterMark: 64 * 1024 });
    // The marker is quoted apart so the echoed command line does not contain it.
    t.write('head -c 3000000 /dev/zero | tr "\\0" x; echo; echo DONE"-"MARK\r');
    // With nothing acknowledged, the PTY is paused soon after 64 KiB; wait, then check it stayed put.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stalled = t.read().endOffset;
    expect(stalled).toBeLessThan(1024 * 1024);
    release();
    gate = Promise.resolve();
    const notes = await collect(client, (ns) => outputText(ns, t.id).includes('DONE-MARK\r\n'));
    expect(outputText(notes, t.id).split('x').length - 1).toBeGreaterThanOrEqual(3_000_000);
  });
});
