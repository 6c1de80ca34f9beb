// The Node WebSocket's liveness watchdog: a connection that goes silent without a FIN or RST (a
// proxy or NAT that stops forwarding) is closed after two periods, so requests in flight fail
// with ChannelClosed instead of hanging; a quiet but live connection stays open.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { WebSocketServer } from 'ws';
import { createNodeWebSocket } from '../src/transports/websocket-node';

/** A `ws` server behind a TCP proxy that can stop forwarding (both ways) without closing. */
async function frozenProxy() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
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
