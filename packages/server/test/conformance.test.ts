// One suite, every transport: the same `OrchflowClient` code must behave identically over direct,
// stdio, Unix socket, WebSocket and HTTP — terminals end to end, errors and their codes, agent
// scoping, and output that resumes after a forced disconnect with no byte lost or repeated.
import { ErrorCode, isOrchflowError, type OrchflowClient, type OutputEvent } from '@orchflow/client';
import { describe, expect, it } from 'vitest';
import { type Connected, TRANSPORTS } from './conformance-harness';
import { TOKENS, testOrchestrator } from './transport-harness';

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isOrchflowError(error) ? error.code : undefined;
}

/** Reads `stream` until the text holds `marker`; calls `midway` once the text holds `dropAt`. */
async function readUntil(
  stream: AsyncIterable<OutputEvent>,
  marker: string,
  dropAt?: { text: string; midway: () => void },
): Promise<{ text: string; events: OutputEvent[] }> {
  let text = '';
  const events: OutputEvent[] = [];
  let dropped = false;
  for await (const event of stream) {
    events.push(event);
    if (event.type === 'data') text += event.data;
    if (dropAt && !dropped && text.includes(dropAt.text)) {
      dropped = true;
      dropAt.midway();
    }
    if (text.includes(marker) || event.type === 'end') break;
  }
  return { text, events };
}

describe.each(TRANSPORTS)('conformance over $name', (transport) => {
  async function setup(): Promise<{ connect: (token: string) => Promise<Connected>; admin: OrchflowClient }> {
    const orch = testOrchestrator();
    const connect = await transport.start(orch);
    const { client } = await connect(TOKENS.admin);
    return { connect, admin: client };
  }

  it('spawns, executes, streams, resizes, snapshots and kills', async () => {
    const { admin } = await setup();
    const terminal = await admin.spawnTerminal('conf', { cols: 80, rows: 24 });
    const result = await terminal.execute('echo hello');
    expect(result).toMatchObject({ stdout: 'hello\n', exitCode: 0, timedOut: false });
    expect((await terminal.execute('false')).exitCode).toBe(1);
    const streamed = await readUntil(terminal.stream({ fromOffset: 0 }), 'hello');
    expect(streamed.text).toContain('hello');
    await terminal.resize(100, 30);
    expect((await terminal.execute('stty size')).stdout).toBe('30 100\n');
    expect(await terminal.snapshot()).toMatchObject({ cols: 100, rows: 30 });
    const read = await terminal.read({ fromOffset: 0 });
    expect(read.data).toContain('hello');
    expect((await admin.listTerminals()).map((t) => t.id)).toContain(terminal.id);
    await terminal.kill();
    expect((await admin.listTerminals({ state: 'running' })).map((t) => t.id)).not.toContain(terminal.id);
  });

  it('reports errors with their codes', async () => {
    const { admin, connect } = await setup();
    const ghost = admin.handle({ ...(await admin.spawnTerminal('conf')).info(), id: 'no-such-terminal' });
    expect(await codeOf(ghost.execute('true'))).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(ghost.snapshot())).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(admin.spawnTerminal(''))).toBe(ErrorCode.InvalidParams);
    expect(await codeOf(connect('wrong-token-0123456789abcdef'))).toBe(ErrorCode.Unauthorized);
  });

  it('keeps agents to their own terminals', async () => {
    const { connect } = await setup();
    const alice = (await connect(TOKENS.alice)).client;
    const bob = (await connect(TOKENS.bob)).client;
    const mine = await alice.spawnTerminal('alice-conf');
    expect(await codeOf(alice.spawnTerminal('bob-conf'))).toBe(ErrorCode.Forbidden);
    const theirs = bob.handle(mine.info());
    expect(await codeOf(theirs.execute('id'))).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(theirs.read())).toBe(ErrorCode.TerminalNotFound);
    expect(await codeOf(theirs.kill())).toBe(ErrorCode.TerminalNotFound);
    expect(await bob.listTerminals()).toEqual([]);
    expect((await mine.execute('echo ok')).stdout).toBe('ok\n');
  });

  it.runIf(transport.resumable)(
    'resumes output after a forced disconnect with no loss or repeats',
    async () => {
      const { connect } = await setup();
      const connection = await connect(TOKENS.admin);
      const terminal = await connection.client.spawnTerminal('resume');
      const stream = terminal.stream({ fromOffset: 0 });
      const script =
        'for i in $(seq 1 1500); do echo line-$i; [ $((i % 100)) = 0 ] && sleep 0.05; done; echo DONE-$((40+2))';
      const reading = readUntil(stream, 'DONE-42', { text: 'line-300', midway: () => connection.drop() });
      await terminal.write(`${script}\r`);
      const { text, events } = await reading;
      expect(connection.resumes()).toBeGreaterThan(0);
      let expectedOffset = (events[0] as { offset: number }).offset;
      for (const event of events) {
        if (event.type !== 'data') continue;
        expect(event.offset).toBe(expectedOffset);
        expectedOffset = event.nextOffset;
      }
      expect(events.some((event) => event.type === 'gap')).toBe(false);
      const all = await terminal.read({ fromOffset: 0, maxBytes: 4 * 1024 * 1024 });
      expect(text).toBe(all.data.slice(0, text.length));
      for (const n of [1, 300, 301, 1500]) expect(text).toContain(`line-${n}\r\n`);
    },
    60_000,
  );
});
