// The memory of a session's output events, frames or SSE, is reused (a shared FramePool) once an
// event left the replay window and no socket still writes it. Streamed output stays byte-exact
// when the window is empty (an event is given back once its write is done, not when the write call
// returns), and a resume replays the window's events as first sent after the pool's memory went
// round several times.
import { describe, expect, it } from 'vitest';
import { lazyBytesOf } from '../../client/src/lazy-text';
import type { SessionStreamEvent } from '../../client/src/transports/http-events';
import { createSession, openEvents } from './http-frames-harness';
import { startHttp } from './transport-harness';

// ~12 MB through the PTY (`\r\n` line ends), every line different: an event written from memory
// that already carried another one shows as a wrong line, not as the same bytes again.
const LINES = 1_500_000;
const COMMAND = `seq 1 ${LINES}`;
const EXPECTED = `${Array.from({ length: LINES }, (_, i) => i + 1).join('\r\n')}\r\n`;

interface Output {
  /** The event's id. */
  id: number;
  offset: number;
  bytes: Uint8Array;
}

type Stream = Awaited<ReturnType<typeof openEvents>>;

/** Reads `stream` until `done(outputs)` holds and request `answerId` was answered. */
async function readOutput(stream: Stream, answerId: number, done: (outputs: Output[]) => boolean) {
  const outputs: Output[] = [];
  let answered = false;
  while (!answered || !done(outputs)) {
    const event: SessionStreamEvent = await stream.next();
    if (event.type !== 'message' || !event.message || Array.isArray(event.message)) continue;
    const message = event.message as { id?: number; method?: string; params?: { offset: number } };
    if (message.id === answerId) answered = true;
    if (message.method !== 'terminal.output' || !message.params) continue;
    // Frames carry the PTY's bytes; SSE the text (ASCII here, so its encoding is those bytes).
    const params = message.params as { offset: number; data?: string };
    const bytes = lazyBytesOf(params) ?? encoder.encode(params.data ?? '');
    // A copy: the reader's chunks are its own, but the test keeps every byte until the end.
    outputs.push({ id: Number(event.id), offset: message.params.offset, bytes: bytes.slice() });
  }
  return outputs;
}

const encoder = new TextEncoder();

/** A session streaming events as `format` from a terminal running `COMMAND`; resolves with its outputs. */
async function streamCommand(format: 'frames' | 'sse', replayBufferBytes: number) {
  const { url } = await startHttp({ replayBufferBytes });
  const session = await createSession(url, format === 'frames' ? 'frames' : undefined);
  const stream = await openEvents(url, session.headers);
  await session.post({
    jsonrpc: '2.0',
    id: 1,
    method: 'terminal.spawn',
    params: { agentId: 'memory', config: { shell: 'bash' } },
  });
  const spawned = await stream.next();
  const terminalId = ((spawned as { message: { result: { id: string } } }).message.result as { id: string })
    .id;
  await session.post({ jsonrpc: '2.0', id: 2, method: 'terminal.subscribe', params: { terminalId } });
  await session.post({
    jsonrpc: '2.0',
    id: 3,
    method: 'terminal.execute',
    params: { terminalId, command: COMMAND, timeoutMs: 60_000 },
  });
  const decoder = new TextDecoder();
  const textOf = (outputs: Output[]) => outputs.map((o) => decoder.decode(o.bytes)).join('');
  const outputs = await readOutput(stream, 3, (got) => textOf(got).includes(`\r\n${LINES}\r\n`));
  return { url, session, stream, outputs, text: textOf(outputs) };
}

/** True when each output starts where the one before ended. */
function contiguous(outputs: readonly Output[]): boolean {
  return outputs.every(
    (o, i) =>
      i === 0 || o.offset === (outputs[i - 1] as Output).offset + (outputs[i - 1] as Output).bytes.length,
  );
}

describe.each(['frames', 'sse'] as const)('HTTP session event memory (%s)', (format) => {
  it('streams every byte in order when events are given back as soon as they are written', async () => {
    // A 1-byte replay window: an event's memory goes back once its socket write is done.
    const { outputs, text } = await streamCommand(format, 1);
    expect(contiguous(outputs)).toBe(true);
    expect(text.includes(EXPECTED)).toBe(true);
  }, 60_000);

  it('replays the window as first sent after its memory was reused', async () => {
    const { url, session, stream, outputs, text } = await streamCommand(format, 4 * 1024 * 1024);
    expect(text.includes(EXPECTED)).toBe(true);
    stream.cut();
    // Resume ~2 MiB before the end: events the 4 MiB window holds, in memory that carried other
    // events before (12 MB went through it).
    let tail = 0;
    let from = outputs.length;
    while (from > 0 && tail < 2 * 1024 * 1024) tail += (outputs[--from] as Output).bytes.length;
    const lastId = (outputs[from - 1] as Output).id;
    const resumed = await openEvents(url, { ...session.headers, 'Last-Event-ID': String(lastId) });
    await session.post({ jsonrpc: '2.0', id: 4, method: '$/ping', params: {} });
    const expected = outputs.slice(from);
    // The shell's prompt may follow what the first stream read before it was cut.
    const replayed = (await readOutput(resumed, 4, (got) => got.length >= expected.length)).slice(
      0,
      expected.length,
    );
    expect(replayed.map((o) => [o.id, o.offset])).toEqual(expected.map((o) => [o.id, o.offset]));
    for (const [i, o] of replayed.entries())
      expect(Buffer.compare(o.bytes, (expected[i] as Output).bytes)).toBe(0);
  }, 60_000);
});
