// WebSocketChannel and the frame pool: a binary output frame's memory is reused only after `ws`
// called back for it, so frames waiting in the socket (several subscriptions, a client that does
// not read) keep their bytes. A stand-in socket holds the callbacks to decide when writes finish.
import { EventEmitter } from 'node:events';
import type { JsonRpcMessage } from '@orchflow/protocol';
import { attachRawOutput } from '@orchflow/terminal/internal';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { FRAME_CAPACITY } from '../src/ws/frame-pool';
import { WebSocketChannel } from '../src/ws/ws-channel';

/** Records each frame and its callback; nothing is written until a test calls back. */
class HeldSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly readyState = 1;
  readonly bufferedAmount = 0;
  readonly sent: { frame: Buffer; done: (error?: Error) => void }[] = [];
  send(frame: Buffer, _options: unknown, done: (error?: Error) => void): void {
    this.sent.push({ frame, done });
  }
  close(): void {}
}

function output(subscriptionId: string, fill: number): JsonRpcMessage {
  const bytes = new Uint8Array(FRAME_CAPACITY - 1024).fill(fill);
  const params = attachRawOutput(
    { terminalId: 't', subscriptionId, data: '', offset: 0, nextOffset: bytes.length },
    bytes,
  );
  return { jsonrpc: '2.0', method: 'terminal.output', params } as JsonRpcMessage;
}

/** The payload of a binary output frame (after its length-prefixed JSON header). */
const payload = (frame: Buffer) => frame.subarray(4 + frame.readUInt32BE(0));

describe('WebSocketChannel binary frames', () => {
  it('keeps each waiting frame intact and reuses its memory only after the callback', async () => {
    const socket = new HeldSocket();
    const channel = new WebSocketChannel(socket as unknown as WebSocket, {
      maxInFlight: 16,
      maxBufferedBytes: 16 * 1024 * 1024,
      binaryOutput: true,
    });
    const sends = [channel.send(output('a', 0x61)), channel.send(output('b', 0x62))];
    await new Promise((resolve) => setImmediate(resolve));
    // A third send while the first two still wait: it must not get their memory either.
    void channel.send(output('c', 0x63)).catch(() => undefined);
    const [a, b, c] = socket.sent;
    if (!a || !b || !c) throw new Error('expected three frames');
    expect(new Set([a.frame.buffer, b.frame.buffer, c.frame.buffer]).size).toBe(3);
    expect(payload(a.frame).every((byte) => byte === 0x61)).toBe(true);
    expect(payload(b.frame).every((byte) => byte === 0x62)).toBe(true);
    expect(payload(c.frame).every((byte) => byte === 0x63)).toBe(true);

    // Written (or failed): from now on the memory may carry the next frame.
    a.done();
    b.done(new Error('socket gone'));
    await expect(sends[0]).resolves.toBeUndefined();
    await expect(sends[1]).rejects.toThrow(/socket gone/);
    void channel.send(output('d', 0x64)).catch(() => undefined);
    const d = socket.sent[3];
    expect([a.frame.buffer, b.frame.buffer]).toContain(d?.frame.buffer);
    expect(payload(d?.frame as Buffer).every((byte) => byte === 0x64)).toBe(true);
  });
});
