import { DirectChannel, ErrorCode, type IpcChannel, type JsonRpcMessage } from '@orchflow/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalStreamManager } from '../src/stream-manager';

interface Note {
  method: string;
  params: Record<string, unknown>;
}

const managers: TerminalStreamManager[] = [];

function manager(...args: ConstructorParameters<typeof TerminalStreamManager>): TerminalStreamManager {
  const m = new TerminalStreamManager(...args);
  managers.push(m);
  return m;
}

afterEach(async () => {
  for (const m of managers.splice(0)) await m.killAll();
});

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

describe('TerminalStreamManager', () => {
  it('publishes output with contiguous offsets, then the exit after the last output', async () => {
    const [server, client] = DirectChannel.pair();
    const m = manager().withChannel(server);
    const t = await m.spawn({ shell: 'bash' });
    expect(m.get(t.id)).toBe(t);
    expect(m.list()).toEqual([t]);
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
    expect(m.get(t.id)).toBeUndefined();
  });

  it('kills a terminal by id and reports unknown ids', async () => {
    const [server, client] = DirectChannel.pair();
    const m = manager().withChannel(server);
    const t = await m.spawn({ shell: 'bash' });
    const exit = await m.kill(t.id);
    expect(exit.exitCode === null ? exit.signal : exit.exitCode).toBeTruthy();
    const notes = await collect(client, (ns) => ns.some((n) => n.method === 'terminal.exit'));
    expect(notes.at(-1)?.params).toMatchObject({ terminalId: t.id });
    expect(m.list()).toEqual([]);
    await expect(m.kill(t.id)).rejects.toMatchObject({ code: ErrorCode.TerminalNotFound });
  });

  it('streams terminals spawned before the channel was attached, and to several channels', async () => {
    const m = manager();
    const t = await m.spawn({ shell: 'bash' });
    const [s1, c1] = DirectChannel.pair();
    const [s2, c2] = DirectChannel.pair();
    m.withChannel(s1).withChannel(s2);
    t.write('echo both-see-this\r');
    const seen = (ns: Note[]): boolean => outputText(ns, t.id).includes('both-see-this\r\n');
    await Promise.all([collect(c1, seen), collect(c2, seen)]);
  });

  it('detaches a closed channel without disturbing the others', async () => {
    const errors: unknown[] = [];
    const m = manager({ onChannelError: (error) => errors.push(error) });
    const [s1, c1] = DirectChannel.pair();
    const [s2, c2] = DirectChannel.pair();
    m.withChannel(s1).withChannel(s2);
    const t = await m.spawn({ shell: 'bash' });
    await c1.close();
    t.write('echo still-here\r');
    await collect(c2, (ns) => outputText(ns, t.id).includes('still-here\r\n'));
    expect(errors).toEqual([]);
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
    const m = manager({ highWaterMark: 64 * 1024 }).withChannel(slow);
    const t = await m.spawn({ shell: 'bash', scrollbackBytes: 4 * 1024 * 1024 });
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
