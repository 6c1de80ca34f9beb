import { describe, expect, it } from 'vitest';
import {
  ChannelClosedError,
  DirectChannel,
  ErrorCode,
  isOrchflowLocalError,
  type JsonRpcMessage,
} from '../src/index';

const note = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'n', params: { n } });

describe('DirectChannel', () => {
  it('delivers messages in order, by reference, in both directions', async () => {
    const [a, b] = DirectChannel.pair();
    const sent = note(1);
    await a.send(sent);
    await a.send(note(2));
    await b.send(note(3));
    expect(await b.receive()).toBe(sent);
    expect(await b.receive()).toEqual(note(2));
    expect(await a.receive()).toEqual(note(3));
  });

  it('wakes a parked receiver when a message arrives', async () => {
    const [a, b] = DirectChannel.pair();
    const pending = b.receive();
    await a.send(note(7));
    await expect(pending).resolves.toEqual(note(7));
  });

  it('keeps 10 000 interleaved messages in order', async () => {
    const [a, b] = DirectChannel.pair();
    const received: number[] = [];
    const reader = (async () => {
      for await (const message of b) {
        received.push((message as unknown as { params: { n: number } }).params.n);
        if (received.length === 10_000) return;
      }
    })();
    for (let n = 0; n < 10_000; n++) await a.send(note(n));
    await reader;
    expect(received).toEqual(Array.from({ length: 10_000 }, (_, n) => n));
  });

  it('releases pending receivers on both ends when either side closes', async () => {
    const [a, b] = DirectChannel.pair();
    const onA = a.receive();
    const onB = b.receive();
    await b.close();
    await expect(onA).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(onB).rejects.toBeInstanceOf(ChannelClosedError);
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(true);
  });

  it('rejects send and receive after close, with a local error code', async () => {
    const [a, b] = DirectChannel.pair();
    await a.close();
    const error = await a.send(note(1)).catch((e: unknown) => e);
    expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
    await expect(b.receive()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(a.close()).resolves.toBeUndefined();
  });

  it('still delivers what was sent before the close, then ends iteration', async () => {
    const [a, b] = DirectChannel.pair();
    await a.send(note(1));
    await a.send(note(2));
    await a.close();
    const seen: JsonRpcMessage[] = [];
    for await (const message of b) seen.push(message);
    expect(seen).toEqual([note(1), note(2)]);
  });
});
