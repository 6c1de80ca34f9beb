// Byte offsets on the wire: output that is not valid UTF-8 decodes to U+FFFD (3 bytes in UTF-8 for
// 1 byte of output), so offsets must come from the server, not from the decoded text. Also the
// signal names `terminal.kill` accepts.
import { OrchflowClient, type OutputEvent } from '@orchflow/client';
import {
  ErrorCode,
  type ExecuteProgressParams,
  ExecuteProgressParamsSchema,
  Methods,
  PROTOCOL_VERSION,
  RpcPeer,
} from '@orchflow/protocol';
import { expect, it, onTestFinished } from 'vitest';
import { connect } from '../src/connect';
import { Orchestrator } from '../src/orchestrator';
import { expectCode, rejection } from './helpers';

// X, three bytes that are not UTF-8, Y: 5 bytes that decode to 'X\uFFFD\uFFFD\uFFFDY'.
const BINARY_COMMAND = "printf 'X\\377\\376\\375Y\\n'";

async function setup() {
  const orch = new Orchestrator();
  const client = await OrchflowClient.direct(orch);
  onTestFinished(async () => {
    await client.close();
    await orch.shutdown();
  });
  return { orch, client };
}

/** Reads `stream` until its text contains `marker`; returns the data events so far. */
async function until(stream: AsyncIterator<OutputEvent>, marker: string) {
  const events: Extract<OutputEvent, { type: 'data' }>[] = [];
  let text = '';
  while (!text.includes(marker)) {
    const { value, done } = await stream.next();
    if (done || value.type !== 'data') throw new Error(`stream ended or gapped before '${marker}'`);
    events.push(value);
    text += value.data;
  }
  return events;
}

it('reports byte-exact nextOffsets for non-UTF-8 output, and resumes from them losslessly', async () => {
  const { client } = await setup();
  const terminal = await client.spawnTerminal('test');
  await terminal.execute(BINARY_COMMAND);
  const first = terminal.stream({ fromOffset: 0 })[Symbol.asyncIterator]();
  const events = await until(first, 'Y');
  await first.return?.();
  // Each chunk ends exactly where the next begins, and covers exactly its bytes in the scrollback.
  for (const [i, event] of events.entries()) {
    const next = events[i + 1];
    if (next) expect(event.nextOffset).toBe(next.offset);
    const page = await terminal.read({ fromOffset: event.offset, maxBytes: event.nextOffset - event.offset });
    expect(page).toMatchObject({ data: event.data, nextOffset: event.nextOffset });
  }
  const resumeAt = (events.at(-1) as OutputEvent & { type: 'data' }).nextOffset;
  const resumed = terminal.stream({ fromOffset: resumeAt })[Symbol.asyncIterator]();
  await terminal.execute('echo after-$((40 + 2))');
  const rest = await until(resumed, 'after-42');
  await resumed.return?.();
  const end = (rest.at(-1) as OutputEvent & { type: 'data' }).nextOffset;
  expect(rest[0]?.offset).toBe(resumeAt);
  const expected = await terminal.read({ fromOffset: resumeAt, maxBytes: end - resumeAt });
  expect(rest.map((e) => e.data).join('')).toBe(expected.data);
});

it("sends nextOffset with every execute's $/progress value", async () => {
  const orch = new Orchestrator();
  const peer = new RpcPeer(connect(orch), { methods: Methods }).start();
  onTestFinished(async () => {
    await peer.close();
    await orch.shutdown();
  });
  const progress: ExecuteProgressParams[] = [];
  await peer.request('initialize', { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'test' } });
  const { id } = await peer.request('terminal.spawn', { agentId: 'test' });
  await peer.request(
    'terminal.execute',
    { terminalId: id, command: BINARY_COMMAND },
    { onProgress: (value) => void progress.push(ExecuteProgressParamsSchema.parse(value)) },
  );
  const chunks = progress.filter((p) => p.data !== '');
  expect(chunks.map((p) => p.data).join('')).toContain('X\uFFFD\uFFFD\uFFFDY');
  for (const chunk of chunks) {
    expect(chunk.nextOffset).toBeDefined();
    const bytes = (chunk.nextOffset ?? 0) - chunk.offset;
    const page = await peer.request('terminal.read', {
      terminalId: id,
      fromOffset: chunk.offset,
      maxBytes: bytes,
    });
    expect(page.data).toBe(chunk.data);
  }
});

it('refuses unknown signal names with InvalidParams and keeps the terminal running', async () => {
  const { client } = await setup();
  const terminal = await client.spawnTerminal('test');
  const error = expectCode(await rejection(terminal.kill('SIGFOO')), ErrorCode.InvalidParams);
  expect(error.message).toContain('SIGFOO');
  expect((await terminal.execute('echo alive')).stdout).toBe('alive\n');
  expect(await terminal.kill('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
});
