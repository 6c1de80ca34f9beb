// The WebSocket liveness watchdogs: a connection that goes silent without a FIN or RST (a proxy
// or NAT that stops forwarding) is closed after two periods, so requests in flight fail with
// ChannelClosed instead of hanging; a quiet but live connection stays open. The Node socket pings
// at the WebSocket level; a socket that cannot (a browser's) gets `$/ping` requests from the
// channel, whose answers never reach the client.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { WebSocketClientChannel } from '../src/transports/websocket-channel';
import { createNodeWebSocket } from '../src/transports/websocket-node';

/** A `ws` server behind a TCP proxy that can stop forwarding (both ways) without closing. */
async function frozenProxy(onConnection?: (socket: WebSocket) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  if (onConnection) wss.on('connection', onConnection);
  await new Promise((resolve) => wss.once('listening', resolve));
  const target = (wss.address() as AddressInfo).port;
  let frozen = false;
  const sockets: Socket[] = [];
  const proxy = createServer((inbound) => {
    const outbound = tcpConnect(target, '127.0.0.1');
    sockets.push(inbound, outbound);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (data) => {
        if (!frozen) to.write(data);
      });
    forward(inbound, outbound);
    forward(outbound, inbound);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    proxy.close();
    await new Promise((resolve) => wss.close(resolve));
  });
  return {
    url: `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    freeze: () => {
      frozen = true;
    },
  };
}

function open(url: string, livenessIntervalMs: number) {
  const socket = createNodeWebSocket({ livenessIntervalMs })(url, []);
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener('close', (event) => resolve((event as { code: number }).code)),
  );
  const opened = new Promise((resolve) => socket.addEventListener('open', resolve));
  onTestFinished(() => socket.close());
  return { opened, closed };
}

it('closes a connection that went silent, within two liveness periods', async () => {
  const proxy = await frozenProxy();
  const { opened, closed } = open(proxy.url, 200);
  await opened;
  proxy.freeze();
  const t0 = Date.now();
  expect(await closed).toBe(1006);
  expect(Date.now() - t0).toBeLessThan(5_000);
});

it('keeps a quiet but live connection open', async () => {
  const proxy = await frozenProxy();
  // Five periods; a pong has a whole period (500 ms) to arrive even on a loaded machine.
  const { opened, closed } = open(proxy.url, 500);
  await opened;
  const outcome = await Promise.race([
    closed,
    new Promise((resolve) => setTimeout(() => resolve('open'), 2_500)),
  ]);
  expect(outcome).toBe('open');
});

/** Answers `$/ping` as every orchflow peer does, and counts the pings. */
function pingAnswerer(pings: { count: number }) {
  return (socket: WebSocket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: unknown; method?: string };
      if (message.method !== '$/ping') return;
      pings.count++;
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { pong: true } }));
    });
}

/** A channel over a socket that cannot ping (protocol-level pings off), pinging every `ms`. */
async function pingingChannel(url: string, ms: number) {
  const channel = await WebSocketClientChannel.connect(url, createNodeWebSocket({ livenessIntervalMs: 0 }), {
    pingIntervalMs: ms,
  });
  onTestFinished(() => channel.close());
  return channel;
}

it('gives up a silent connection of a socket that cannot ping, after two periods of $/ping', async () => {
  const pings = { count: 0 };
  const proxy = await frozenProxy(pingAnswerer(pings));
  const channel = await pingingChannel(proxy.url, 200);
  const received = channel.receive();
  proxy.freeze();
  const t0 = Date.now();
  await expect(received).rejects.toThrow(/No frame from the server for \d+ ms/);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(channel.closed).toBe(true);
});

it('keeps a quiet connection that answers $/ping, and keeps the answers to itself', async () => {
  const pings = { count: 0 };
  const proxy = await frozenProxy(pingAnswerer(pings));
  const channel = await pingingChannel(proxy.url, 300);
  let delivered: unknown;
  void channel.receive().then(
    (message) => {
      delivered = message;
    },
    () => undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(pings.count).toBeGreaterThanOrEqual(2);
  expect(channel.closed).toBe(false);
  expect(delivered).toBeUndefined();
});
