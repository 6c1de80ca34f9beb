// Binary `terminal.output` frames (`orchflow.v1+binary-output`) end to end over real sockets: a
// client that offers the subprotocol receives the same output, chunk for chunk and offset for
// offset, as a JSON client; a client that does not offer it (or a server that turns it off) keeps
// JSON text frames; and the encoder leaves what UTF-8 cannot carry exactly to JSON.
import type { OrchflowClient, RemoteTerminal, WebSocketFactory, WebSocketLike } from '@orchflow/client';
import { connectWebSocket, createNodeWebSocket } from '@orchflow/client/node';
import type { JsonRpcMessage } from '@orchflow/protocol';
import { attachRawOutput } from '@orchflow/terminal/internal';
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { encodeBinaryOutput, selectProtocol, WS_BINARY_OUTPUT_PROTOCOL } from '../src/ws/binary-output';
import { startWs, TOKENS } from './transport-harness';

interface Frames {
  binary: number;
  text: number;
  protocol: string;
}

/** A `ws` factory that counts the frames the server sends and records the accepted subprotocol. */
function countingFactory(frames: Frames): WebSocketFactory {
  const make = createNodeWebSocket({ token: TOKENS.admin });
  return (url, protocols) => {
    const socket = make(url, protocols) as unknown as WebSocket;
    socket.on('open', () => {
      frames.protocol = socket.protocol;
    });
    socket.on('message', (_data, isBinary) => {
      if (isBinary) frames.binary++;
      else frames.text++;
    });
    return socket as unknown as WebSocketLike;
  };
}

async function connect(
  url: string,
  binaryOutput: boolean,
): Promise<{ client: OrchflowClient; frames: Frames }> {
  const frames: Frames = { binary: 0, text: 0, protocol: '' };
  const client = await connectWebSocket(url, {
    token: TOKENS.admin,
    reconnect: false,
    binaryOutput,
    createSocket: countingFactory(frames),
  });
  return { client, frames };
}

interface Chunk {
  data: string;
  offset: number;
  nextOffset: number;
}

/** Streams `terminal` from offset 0 until `done` holds for the text so far. */
async function streamFromStart(terminal: RemoteTerminal, done: (text: string, end: number) => boolean) {
  const chunks: Chunk[] = [];
  let text = '';
  for await (const event of terminal.stream({ fromOffset: 0 })) {
    if (event.type !== 'data') throw new Error(`unexpected ${event.type} event`);
    chunks.push({ data: event.data, offset: event.offset, nextOffset: event.nextOffset });
    text += event.data;
    if (done(text, event.nextOffset)) break;
  }
  return { chunks, text };
}

// Multi-byte characters of every length, and bytes that are not UTF-8 at all (\377\376, a lone
// continuation byte \200), over a few hundred KiB so the output spans several replay pages.
const SCRIPT = [
  'i=0;',
  'while [ $i -lt 4000 ]; do',
  "printf '%s %d \\377\\376 \\200 é ✓\\n' '日本語 héllo 🎉 ünïcödé' $i;",
  'i=$((i+1));',
  'done;',
  "printf 'DONE\\n';",
  // Nothing follows: the ring holds the same bytes for every replay.
  'exec sleep 600',
].join(' ');

describe('WebSocketServer: binary terminal output', () => {
  it('delivers the same chunks and offsets as binary frames as a JSON client gets', async () => {
    const { url } = await startWs();
    const binary = await connect(url, true);
    const json = await connect(url, false);
    try {
      const terminal = await binary.client.spawnTerminal('bin');
      await terminal.write(`${SCRIPT}\n`);
      // Wait for all output, then replay it from 0 on both connections: identical ring, identical pages.
      const first = await streamFromStart(terminal, (text) => text.includes('DONE\r\n'));
      const end = first.chunks.at(-1)?.nextOffset ?? 0;
      const overBinary = await streamFromStart(terminal, (_text, next) => next >= end);
      const overJson = await streamFromStart(
        json.client.handle(terminal.info()),
        (_text, next) => next >= end,
      );

      expect(binary.frames.protocol).toBe(WS_BINARY_OUTPUT_PROTOCOL);
      expect(json.frames.protocol).toBe('');
      expect(binary.frames.binary).toBeGreaterThanOrEqual(overBinary.chunks.length);
      expect(json.frames.binary).toBe(0);
      expect(overBinary.chunks.length).toBeGreaterThan(1);
      expect(overBinary.chunks).toEqual(overJson.chunks);
      expect(overBinary.text).toContain('日本語 héllo 🎉 ünïcödé 3999 \uFFFD\uFFFD \uFFFD é ✓\r\n');
      let expected = 0;
      for (const chunk of overBinary.chunks) {
        expect(chunk.offset).toBe(expected);
        expected = chunk.nextOffset;
      }
    } finally {
      await binary.client.close();
      await json.client.close();
    }
  }, 60_000);

  it('streams live output as the same text and offsets over binary and JSON frames', async () => {
    const { url } = await startWs();
    const binary = await connect(url, true);
    const json = await connect(url, false);
    try {
      const terminal = await binary.client.spawnTerminal('live');
      // Both from the same offset: whichever part a connection gets replayed or live, the text matches.
      const { endOffset: start } = await terminal.read({ maxBytes: 1 });
      const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      const live = async (t: RemoteTerminal) => {
        let text = '';
        let expected = start;
        let withBytes = 0;
        for await (const event of t.stream({ fromOffset: start })) {
          if (event.type !== 'data') throw new Error(`unexpected ${event.type} event`);
          // Offsets follow each other without a hole or an overlap.
          expect(event.offset).toBe(expected);
          expected = event.nextOffset;
          if (event.bytes) {
            // A binary frame's bytes ride along, as on an in-process stream; `data` is their text.
            withBytes++;
            expect(event.bytes.byteLength).toBe(event.nextOffset - event.offset);
            expect(decoder.decode(event.bytes)).toBe(event.data);
            expect(Object.keys(event)).not.toContain('bytes');
          }
          text += event.data;
          if (text.includes('LIVE-DONE\r\n')) break;
        }
        return { text, withBytes };
      };
      const overBinary = live(terminal);
      const overJson = live(json.client.handle(terminal.info()));
      // Sent after this connection's subscribe, so most of the output reaches it live, as raw bytes.
      await terminal.execute('true');
      await terminal.write(`${SCRIPT.replace('DONE', 'LIVE-DONE')}\n`);
      const [overBinaryResult, overJsonResult] = await Promise.all([overBinary, overJson]);
      const binaryText = overBinaryResult.text;
      expect(binaryText).toBe(overJsonResult.text);
      expect(overBinaryResult.withBytes).toBeGreaterThan(1);
      expect(overJsonResult.withBytes).toBe(0);
      expect(binaryText).toContain('日本語 héllo 🎉 ünïcödé 3999 \uFFFD\uFFFD \uFFFD é ✓\r\n');
      expect(binary.frames.binary).toBeGreaterThan(1);
    } finally {
      await binary.client.close();
      await json.client.close();
    }
  }, 60_000);

  it('keeps every byte exact when frames wait behind a reader that stopped reading', async () => {
    // Four subscriptions on one connection have a frame in flight each while the client does not
    // read: frame memory reused before the socket wrote it would corrupt one of them (the exact
    // order of callbacks and reuse is pinned down in ws-channel-frames.test.ts).
    // The pause must not demote the subscriptions (slow-consumer rule) on a slow machine.
    const { url } = await startWs({ maxStallMs: 30_000 });
    let socket: WebSocket | undefined;
    const make = createNodeWebSocket({ token: TOKENS.admin });
    const client = await connectWebSocket(url, {
      token: TOKENS.admin,
      reconnect: false,
      binaryOutput: true,
      createSocket: (address, protocols) => {
        socket = make(address, protocols) as unknown as WebSocket;
        return socket as unknown as WebSocketLike;
      },
    });
    try {
      const terminal = await client.spawnTerminal('paused');
      const { endOffset: start } = await terminal.read({ maxBytes: 1 });
      let ready = 0;
      const collect = async () => {
        const chunks: string[] = [];
        // The last few characters, to spot the markers without rescanning megabytes per chunk.
        let tail = '';
        let seenReady = false;
        for await (const event of terminal.stream({ fromOffset: start })) {
          if (event.type !== 'data') throw new Error(`unexpected ${event.type} event`);
          chunks.push(event.data);
          tail = (tail + event.data).slice(-64);
          if (!seenReady && chunks.join('').includes('READY\r\n')) {
            seenReady = true;
            ready++;
          }
          if (tail.includes('SEQ-DONE\r\n')) break;
        }
        return chunks.join('');
      };
      const streams = [collect(), collect(), collect(), collect()];
      await terminal.write("echo READ''Y\n");
      await expect.poll(() => ready, { timeout: 10_000 }).toBe(streams.length);
      socket?.pause();
      // ~4 MB per subscription, 16 MB in all: more than loopback's socket buffers hold (Debian:
      // 4 MiB to send, 6 MiB to receive), so writes wait in the server.
      const written = terminal.write("seq 1 600000; echo SEQ-''DONE\n");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      socket?.resume();
      await written;
      const texts = await Promise.all(streams);
      for (const text of texts) {
        const lines = text.split('\r\n').filter((line) => /^\d+$/.test(line));
        expect(lines.findIndex((line, i) => line !== String(i + 1))).toBe(-1);
        expect(lines.length).toBe(600_000);
      }
      for (const text of texts) expect(text === texts[0]).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('keeps JSON text frames when the server turns binary output off', async () => {
    const { url } = await startWs({ binaryOutput: false });
    const { client, frames } = await connect(url, true);
    try {
      const terminal = await client.spawnTerminal('plain');
      const result = await terminal.execute('echo héllo-✓');
      expect(result.stdout).toBe('héllo-✓\n');
      expect(frames.protocol).toBe('orchflow.v1');
      expect(frames.binary).toBe(0);
      expect(frames.text).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  }, 30_000);
});

describe('selectProtocol', () => {
  it('prefers binary output, then JSON, then keeps the first offer of other clients', () => {
    const offers = (...list: string[]) => new Set(list);
    expect(selectProtocol(offers(WS_BINARY_OUTPUT_PROTOCOL, 'orchflow.v1'), true)).toBe(
      WS_BINARY_OUTPUT_PROTOCOL,
    );
    expect(selectProtocol(offers(WS_BINARY_OUTPUT_PROTOCOL, 'orchflow.v1'), false)).toBe('orchflow.v1');
    expect(selectProtocol(offers('graphql-ws', 'other'), true)).toBe('graphql-ws');
    expect(selectProtocol(offers(WS_BINARY_OUTPUT_PROTOCOL), false)).toBe(false);
    expect(selectProtocol(offers(), true)).toBe(false);
  });
});

describe('encodeBinaryOutput', () => {
  const output = (params: Record<string, unknown>): JsonRpcMessage =>
    ({ jsonrpc: '2.0', method: 'terminal.output', params }) as JsonRpcMessage;

  it('frames the header as JSON without data, then the data as raw UTF-8', () => {
    const frame = encodeBinaryOutput(output({ terminalId: 't', data: 'é✓🎉', offset: 3, nextOffset: 12 }));
    if (!frame) throw new Error('expected a binary frame');
    const headerLength = frame.readUInt32BE(0);
    expect(JSON.parse(frame.subarray(4, 4 + headerLength).toString('utf8'))).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { terminalId: 't', offset: 3, nextOffset: 12 },
    });
    expect(frame.subarray(4 + headerLength)).toEqual(Buffer.from('é✓🎉', 'utf8'));
  });

  it('frames the raw bytes of live output without decoding them', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, 0x41, 0xff, 0x80]);
    const params = attachRawOutput(
      {
        terminalId: 't',
        get data(): string {
          throw new Error('the server decoded output it sends as bytes');
        },
        offset: 7,
        nextOffset: 13,
      },
      bytes,
    );
    const frame = encodeBinaryOutput(output(params));
    if (!frame) throw new Error('expected a binary frame');
    const headerLength = frame.readUInt32BE(0);
    expect(JSON.parse(frame.subarray(4, 4 + headerLength).toString('utf8'))).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { terminalId: 't', offset: 7, nextOffset: 13 },
    });
    expect(new Uint8Array(frame.subarray(4 + headerLength))).toEqual(bytes);
  });

  it('leaves base64 output, lone surrogates, text without its bytes that holds U+FFFD, and other messages to JSON', () => {
    expect(encodeBinaryOutput(output({ terminalId: 't', data: '/w==', encoding: 'base64', offset: 0 }))).toBe(
      undefined,
    );
    expect(encodeBinaryOutput(output({ terminalId: 't', data: 'a\uD800b', offset: 0 }))).toBe(undefined);
    // U+FFFD may stand for bytes that were not UTF-8 (here one byte): encoded back, the frame would
    // carry 3 bytes for a range of 1, and the client hands a frame's bytes out as the output's own.
    expect(encodeBinaryOutput(output({ terminalId: 't', data: 'a\uFFFDb', offset: 0, nextOffset: 3 }))).toBe(
      undefined,
    );
    expect(
      encodeBinaryOutput({
        jsonrpc: '2.0',
        method: 'terminal.gap',
        params: { terminalId: 't', from: 0, to: 1 },
      }),
    ).toBe(undefined);
    expect(encodeBinaryOutput({ jsonrpc: '2.0', id: 1, result: { data: 'x' } })).toBe(undefined);
  });
});
