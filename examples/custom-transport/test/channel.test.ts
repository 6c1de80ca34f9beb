// The IpcChannel contract, checked on MessagePortChannel directly: order, close from either end,
// messages that arrived before a close, typed errors, and what it does with foreign data.
import { MessageChannel } from 'node:worker_threads';
import {
  ChannelClosedError,
  ErrorCode,
  isOrchflowError,
  type JsonRpcMessage,
  RpcPeer,
} from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { MessagePortChannel } from '../src/message-port-channel';

const ping = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, method: '$/ping' });

describe('MessagePortChannel', () => {
  it('delivers whole messages in order, as JSON values', async () => {
    const [a, b] = MessagePortChannel.pair();
    const batch = [ping(2), { jsonrpc: '2.0', method: 'n', params: { skipped: undefined } }];
    await a.send(ping(1));
    await a.send(batch as JsonRpcMessage);
    expect(await b.receive()).toEqual(ping(1));
    // JSON semantics, like every byte transport: the undefined field is gone, not kept.
    expect(await b.receive()).toStrictEqual([ping(2), { jsonrpc: '2.0', method: 'n', params: {} }]);
    await a.close();
  });

  it('closing one end closes the other, after handing out what already arrived', async () => {
    const [a, b] = MessagePortChannel.pair();
    await a.send(ping(1));
    await a.close();
    expect(a.closed).toBe(true);
    await expect(a.send(ping(2))).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await b.receive()).toEqual(ping(1));
    await expect(b.receive()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(b.closed).toBe(true);
    await b.close(); // idempotent
  });

  it('ends a pending receive and the iterator when the other end closes', async () => {
    const [a, b] = MessagePortChannel.pair();
    const received: JsonRpcMessage[] = [];
    const drained = (async () => {
      for await (const message of b) received.push(message);
    })();
    await a.send(ping(1));
    await a.close();
    await drained;
    expect(received).toEqual([ping(1)]);
  });

  it('by default closes both ends on data that is not JSON text, with a ParseError as the cause', async () => {
    const { port1, port2 } = new MessageChannel();
    const errors: Error[] = [];
    const channel = new MessagePortChannel(port2, { onError: (error) => errors.push(error) });
    const peerClosed = new Promise((resolve) => port1.once('close', resolve));
    port1.postMessage(JSON.stringify(ping(6))); // what arrived before stays receivable
    port1.postMessage('{not json');
    port1.postMessage(JSON.stringify(ping(7)));
    expect(await channel.receive()).toEqual(ping(6));
    const failure = await channel.receive().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChannelClosedError);
    const cause = (failure as Error).cause;
    expect(isOrchflowError(cause) && cause.code === ErrorCode.ParseError).toBe(true);
    expect((failure as Error).message).toContain('not JSON text');
    expect(errors.map((error) => error.name)).toEqual(['SyntaxError']);
    expect(channel.closed).toBe(true);
    await peerClosed; // the sender's end is closed too
  });

  it("fails the peer's pending request at once instead of at its timeout", async () => {
    // The client end is a MessagePortChannel under RpcPeer; the other end is a foreign peer that
    // answers a request with something that is not JSON text.
    const { port1: foreign, port2 } = new MessageChannel();
    foreign.on('message', () => foreign.postMessage({ result: 'a structured-clone object' }));
    const peer = new RpcPeer(new MessagePortChannel(port2)).start();
    const started = performance.now();
    const failure = await peer
      .request('$/ping', undefined, { timeoutMs: 60_000 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ChannelClosedError);
    expect(performance.now() - started).toBeLessThan(30_000); // far below the 60 s timeout
    await peer.close();
  });

  it("with onInvalidMessage 'ignore' reports such data and keeps the channel open", async () => {
    const { port1, port2 } = new MessageChannel();
    const errors: Error[] = [];
    const channel = new MessagePortChannel(port2, {
      onError: (error) => errors.push(error),
      onInvalidMessage: 'ignore',
    });
    port1.postMessage({ not: 'text' });
    port1.postMessage('{not json');
    port1.postMessage(JSON.stringify(ping(7)));
    expect(await channel.receive()).toEqual(ping(7));
    expect(errors.map((error) => error.name)).toEqual(['TypeError', 'SyntaxError']);
    expect(channel.closed).toBe(false);
    await channel.close();
  });

  it('refuses something that is not a MessagePort with a typed error', () => {
    let caught: unknown;
    try {
      new MessagePortChannel({} as never);
    } catch (error) {
      caught = error;
    }
    expect(isOrchflowError(caught) && caught.code === ErrorCode.InvalidParams).toBe(true);
  });
});
