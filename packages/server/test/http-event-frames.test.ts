// A session's events as binary frames (`POST /v1/rpc?events=frames`), as a raw client meets them
// and as the client's reader parses them: output arrives as the PTY's bytes, ids resume exactly as
// over SSE, an expired resume ends the stream with an error frame, a reader that accepts only SSE
// is refused, and a session created without asking keeps SSE. The reader is checked against
// frames cut at every byte, copies only a frame that spans chunks, and skips kinds it does not know.
import { describe, expect, it } from 'vitest';
import { lazyBytesOf } from '../../client/src/lazy-text';
import { readFrames, type SessionStreamEvent } from '../../client/src/transports/http-events';
import { errorFrame, KEEP_ALIVE_FRAME, messageFrame } from '../src/http/event-frames';
import { createSession, openEvents } from './http-frames-harness';
import { startHttp } from './transport-harness';

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: '$/ping', params: {} });

describe('HTTP session events as frames', () => {
  it('are granted on request, carry output as its bytes and resume after the last id', async () => {
    const { url } = await startHttp();
    const session = await createSession(url, 'frames');
    expect(session.granted).toBe('frames');
    const stream = await openEvents(url, session.headers);
    expect(stream.contentType).toBe('application/vnd.orchflow.events');

    await session.post({
      jsonrpc: '2.0',
      id: 1,
      method: 'terminal.spawn',
      params: { agentId: 'frames', config: { shell: 'bash' } },
    });
    const spawned = (await stream.next()) as Extract<SessionStreamEvent, { type: 'message' }>;
    const terminalId = (spawned.message as { result: { id: string } }).result.id;
    expect(spawned.id).toBe('1');
    await session.post({ jsonrpc: '2.0', id: 2, method: 'terminal.subscribe', params: { terminalId } });
    // Multi-byte output, written as the shell prints it.
    await session.post({
      jsonrpc: '2.0',
      id: 3,
      method: 'terminal.execute',
      params: { terminalId, command: "printf 'gr\\303\\274\\303\\237e \\360\\237\\231\\202\\n'" },
    });
    let text = '';
    let lastId = '';
    let executed = false;
    while (!executed || !text.includes('grüße 🙂')) {
      const event = await stream.next();
      if (event.type !== 'message' || !event.message || Array.isArray(event.message)) continue;
      lastId = event.id ?? lastId;
      const message = event.message as {
        id?: number;
        method?: string;
        params?: { data?: string; bytes?: Uint8Array };
      };
      if (message.method === 'terminal.output' && message.params) {
        // The PTY's bytes came across as they are, behind a text decoded when read.
        expect(lazyBytesOf(message.params)).toBeInstanceOf(Uint8Array);
        text += message.params.data ?? '';
      }
      if (message.id === 3) executed = true;
    }
    stream.cut();

    // Resuming after the last id read: the next event is the one after it, whatever came meanwhile.
    await session.post(ping(4));
    const resumed = await openEvents(url, { ...session.headers, 'Last-Event-ID': lastId });
    const after = await resumed.next();
    expect(after.type).toBe('message');
    expect(Number((after as { id: string }).id)).toBe(Number(lastId) + 1);
  });

  it('end a resume the server no longer holds with an error frame', async () => {
    const { url } = await startHttp({ replayBufferBytes: 256 });
    const session = await createSession(url, 'frames');
    const stream = await openEvents(url, session.headers);
    for (let id = 1; id <= 20; id++) await session.post(ping(id));
    for (let id = 1; id <= 20; id++) await stream.next();
    stream.cut();
    const resumed = await openEvents(url, { ...session.headers, 'Last-Event-ID': '1' });
    const ended = await resumed.next();
    expect(ended.type).toBe('error');
    expect((ended as { error: { message: string } }).error.message).toContain('no longer held');
  });

  it('are refused (406) to a reader whose Accept rules them out, and only then', async () => {
    const { url } = await startHttp();
    const session = await createSession(url, 'frames');
    const refused = await fetch(`${url}/v1/rpc`, {
      headers: { ...session.headers, Accept: 'text/event-stream' },
    });
    expect(refused.status).toBe(406);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'application/vnd.orchflow.events',
    );
    // The most specific range decides, whatever its case.
    for (const accept of ['application/vnd.orchflow.events;Q=0, */*', 'application/*;q=0.0']) {
      const ruledOut = await fetch(`${url}/v1/rpc`, { headers: { ...session.headers, Accept: accept } });
      expect(ruledOut.status, accept).toBe(406);
      await ruledOut.body?.cancel();
    }
    for (const accept of ['*/*', 'text/event-stream, application/*', 'Application/Vnd.Orchflow.Events']) {
      const served = await fetch(`${url}/v1/rpc`, { headers: { ...session.headers, Accept: accept } });
      expect(served.headers.get('content-type'), accept).toBe('application/vnd.orchflow.events');
      await served.body?.cancel();
    }
    // An SSE session is served whatever Accept says, as it always was.
    const sse = await createSession(url);
    const json = await fetch(`${url}/v1/rpc`, { headers: { ...sse.headers, Accept: 'application/json' } });
    expect(json.headers.get('content-type')).toContain('text/event-stream');
    await json.body?.cancel();
  });

  it('stay SSE for a session created without asking (or asking for something else)', async () => {
    const { url } = await startHttp();
    for (const format of [undefined, 'json']) {
      const session = await createSession(url, format);
      expect(session.granted).toBeNull();
      const response = await fetch(`${url}/v1/rpc`, { headers: session.headers });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      await response.body?.cancel();
    }
  });
});

describe("the client's frame reader", () => {
  const output = {
    jsonrpc: '2.0',
    method: 'terminal.output',
    params: { terminalId: 't1', offset: 10, nextOffset: 24, data: 'a\u00fc🙂\r\n\u001b[0m' },
  } as const;
  const frames = Buffer.concat([
    messageFrame({ jsonrpc: '2.0', id: 1, result: { ok: 'grüße' } }, 1),
    KEEP_ALIVE_FRAME,
    messageFrame(output, 2),
    messageFrame([{ jsonrpc: '2.0', id: 2, result: {} }], 3),
    errorFrame({ code: -32603, message: 'gone' }),
  ]);

  async function read(chunks: Uint8Array[]) {
    const events = [];
    for await (const event of readFrames(
      (async function* () {
        yield* chunks;
      })(),
    )) {
      if (event.type === 'message' && event.message && !Array.isArray(event.message)) {
        const params = (event.message as { params?: { data?: string } }).params;
        // Reads the output's text, as a reader would.
        events.push({ ...event, data: params?.data });
      } else events.push(event);
    }
    return JSON.stringify(events);
  }

  it('yields the same events wherever the stream is cut', async () => {
    const whole = await read([frames]);
    expect(whole).toContain('grüße');
    expect(whole).toContain('a\\u00fc🙂'.replace('\\u00fc', 'ü'));
    for (let cut = 1; cut < frames.length; cut++) {
      expect(await read([frames.subarray(0, cut), frames.subarray(cut)])).toBe(whole);
    }
    const bytes = [...frames].map((byte) => Uint8Array.of(byte));
    expect(await read(bytes)).toBe(whole);
  });

  it('copies a frame that spans chunks, and only it: the frames after it stay views', async () => {
    const first = messageFrame(output, 1);
    const second = messageFrame({ ...output, params: { ...output.params, offset: 24 } }, 2);
    // The second chunk has memory of its own: the end of the first frame, then the whole second.
    const tail = new Uint8Array(first.length - 5 + second.length);
    tail.set(first.subarray(5));
    tail.set(second, first.length - 5);
    const bytes: Uint8Array[] = [];
    for await (const event of readFrames(
      (async function* () {
        yield first.subarray(0, 5);
        yield tail;
      })(),
    )) {
      const params = (event as { message: { params: object } }).message.params;
      bytes.push(lazyBytesOf(params) as Uint8Array);
    }
    expect(bytes.map((b) => new TextDecoder().decode(b))).toEqual([output.params.data, output.params.data]);
    expect(bytes[0]?.buffer).not.toBe(tail.buffer);
    expect(bytes[1]?.buffer).toBe(tail.buffer);
  });

  it('skips a kind it does not know, and its id', async () => {
    const unknown = Buffer.alloc(13 + 3);
    unknown.writeUInt32BE(unknown.length - 4, 0);
    unknown.writeUInt8(9, 4);
    unknown.writeDoubleBE(4, 5);
    const events = JSON.parse(await read([Buffer.concat([unknown, frames])])) as { id?: string }[];
    expect(events.map((event) => event.id)).toEqual(['1', '2', '3', undefined]);
  });

  it('refuses a stream that ends inside a frame or claims an absurd length', async () => {
    await expect(read([frames.subarray(0, frames.length - 1)])).rejects.toThrow('inside a frame');
    await expect(read([Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1)])).rejects.toThrow('claims');
  });
});
