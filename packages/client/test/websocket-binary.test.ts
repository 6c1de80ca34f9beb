// The client end of `orchflow.v1+binary-output` against hand-written `ws` servers on 127.0.0.1:0:
// valid binary frames become the `terminal.output` notification a text frame would carry, malformed
// ones are reported and skipped without ending the channel, binary frames are refused when the
// subprotocol was not negotiated, and a server that picks no subprotocol still gets a connection.
import type { JsonRpcMessage } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { lazyBytesOf, withFields } from '../src/lazy-text';
import { decodeBinaryOutput, WS_BINARY_OUTPUT_PROTOCOL } from '../src/transports/websocket-binary';
import { WebSocketClientChannel } from '../src/transports/websocket-channel';
import { createNodeWebSocket } from '../src/transports/websocket-node';

/** A server that runs `onConnection` for each socket, choosing a subprotocol with `pick`. */
async function startServer(
  pick: (offered: Set<string>) => string | false,
  onConnection: (socket: WebSocket) => void,
): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: pick });
  server.on('connection', onConnection);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return `ws://127.0.0.1:${address.port}`;
}

/** A binary output frame: 4-byte big-endian header length, the header, then `body`. */
function frame(header: string, body: Uint8Array = new Uint8Array(), claimed?: number): Buffer {
  const head = Buffer.from(header, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(claimed ?? head.length);
  return Buffer.concat([length, head, body]);
}

const header = (params: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'terminal.output', params });
const marker: JsonRpcMessage = { jsonrpc: '2.0', method: 'marker', params: {} };

describe('WebSocketClientChannel: binary terminal output', () => {
  it('decodes a valid frame and skips malformed ones, reporting each', async () => {
    const url = await startServer(
      () => WS_BINARY_OUTPUT_PROTOCOL,
      (socket) => {
        const valid = { terminalId: 't1', subscriptionId: 's1', offset: 5, nextOffset: 17 };
        socket.send(Buffer.from([0, 0]));
        socket.send(frame(header(valid), new Uint8Array(), 1_000));
        socket.send(frame('{not json'));
        socket.send(frame(header({ offset: 0 })));
        socket.send(frame(header({ ...valid, data: 'twice' })));
        socket.send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'terminal.gap', params: valid })));
        socket.send(frame(header(valid), Buffer.from('héllo ✓ 🎉', 'utf8')));
        socket.send(JSON.stringify(marker));
      },
    );
    const errors: string[] = [];
    const channel = await WebSocketClientChannel.connect(url, createNodeWebSocket(), {
      onError: (error) => errors.push(error.message),
    });
    onTestFinished(() => channel.close());
    expect(await channel.receive()).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { terminalId: 't1', subscriptionId: 's1', data: 'héllo ✓ 🎉', offset: 5, nextOffset: 17 },
    });
    expect(await channel.receive()).toEqual(marker);
    expect(errors).toHaveLength(6);
    for (const text of errors) expect(text).toMatch(/^Ignored a malformed binary frame: /);
    expect(errors[1]).toContain('claims 1000 bytes');
    expect(errors[2]).toContain('not JSON');
    expect(channel.closed).toBe(false);
  });

  it('keeps a byte-order mark and decodes bytes that are not UTF-8 as U+FFFD', () => {
    // The server sends live output as the PTY's own bytes: a chunk may start with U+FEFF.
    const body = Uint8Array.from([0xef, 0xbb, 0xbf, 0x41, 0xff, 0x80, 0x42]);
    const message = decodeBinaryOutput(frame(header({ terminalId: 't1', offset: 0, nextOffset: 7 }), body));
    expect(message).toEqual({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { terminalId: 't1', data: '\uFEFFA\uFFFD\uFFFDB', offset: 0, nextOffset: 7 },
    });
  });

  it('decodes the output text only when it is read, once, and keeps it through copies', () => {
    // Readers that only count or forward the bytes never pay for the text (docs/performance.md).
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    onTestFinished(() => decode.mockRestore());
    const body = Buffer.from('héllo ✓', 'utf8');
    const message = decodeBinaryOutput(frame(header({ terminalId: 't1', offset: 0, nextOffset: 10 }), body));
    const params = (message as { params: Record<string, unknown> }).params;
    const headerOnly = decode.mock.calls.length;
    const copy = withFields(params, { subscriptionId: 'rsub-1' });
    expect(decode.mock.calls.length).toBe(headerOnly);
    expect([...(lazyBytesOf(copy) ?? [])]).toEqual([...body]);
    expect(copy.data).toBe('héllo ✓');
    expect(params.data).toBe('héllo ✓');
    expect(decode.mock.calls.length).toBe(headerOnly + 1);
    // Plain data for everything that looks: JSON, spreads, equality.
    expect(JSON.parse(JSON.stringify(params))).toEqual({
      terminalId: 't1',
      data: 'héllo ✓',
      offset: 0,
      nextOffset: 10,
    });
    expect({ ...copy }).toEqual({
      terminalId: 't1',
      subscriptionId: 'rsub-1',
      data: 'héllo ✓',
      offset: 0,
      nextOffset: 10,
    });
    // Assigned text replaces the bytes it no longer matches.
    params.data = 'other';
    expect(params.data).toBe('other');
    expect(lazyBytesOf(params)).toBeUndefined();
    expect(copy.data).toBe('héllo ✓');
  });

  it('refuses binary frames when the server did not accept the subprotocol', async () => {
    const url = await startServer(
      () => 'orchflow.v1',
      (socket) => {
        socket.send(frame(header({ terminalId: 't1', offset: 0 }), Buffer.from('x')));
        socket.send(JSON.stringify(marker));
      },
    );
    const errors: string[] = [];
    const channel = await WebSocketClientChannel.connect(url, createNodeWebSocket(), {
      onError: (error) => errors.push(error.message),
    });
    onTestFinished(() => channel.close());
    expect(await channel.receive()).toEqual(marker);
    expect(errors).toEqual(['Ignored a binary frame; this connection did not negotiate binary output']);
  });

  it('connects to a server that picks no subprotocol, then speaks JSON', async () => {
    const offers: string[][] = [];
    const url = await startServer(
      () => false,
      (socket) => socket.send(JSON.stringify(marker)),
    );
    const make = createNodeWebSocket();
    const channel = await WebSocketClientChannel.connect(url, (target, protocols) => {
      offers.push(protocols ?? []);
      return make(target, protocols);
    });
    onTestFinished(() => channel.close());
    expect(await channel.receive()).toEqual(marker);
    expect(offers).toEqual([[WS_BINARY_OUTPUT_PROTOCOL, 'orchflow.v1'], []]);
  });
});
