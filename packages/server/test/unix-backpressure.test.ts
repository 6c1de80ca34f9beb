import { connect, type Socket } from 'node:net';
import { ErrorCode } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { FrameReader, frame, initialize, request } from './stdio-frames';
import { unixFixture } from './unix-harness';

const unix = unixFixture('orchflow-unix-bp-');
const startServer = unix.startServer;

async function initialized(path: string): Promise<{ socket: Socket; reader: FrameReader }> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.once('error', reject);
  });
  const reader = new FrameReader(socket);
  socket.write(initialize(1));
  expect((await reader.response(1)).result).toBeDefined();
  return { socket, reader };
}

/** Polls `check` (no deadline of its own: vitest's test timeout is the bound). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('a client that pipelines requests and never reads', () => {
  it('holds a bounded amount of server memory, released when it leaves', async () => {
    const { server, path } = await startServer();
    const { socket } = await initialized(path);
    socket.pause(); // never reads again
    // 5,000 pings whose ids (echoed in every reply) are 4 KiB: ~20 MiB of replies if all were held.
    const pad = 'x'.repeat(4096);
    const sent = 5_000;
    for (let i = 0; i < sent; i++) {
      socket.write(frame({ jsonrpc: '2.0', id: `${pad}-${i}`, method: '$/ping', params: {} }));
    }
    // Either the server stopped reading (backpressure), or it read everything and holds the replies.
    await until(() => server.stats().blockedConnections === 1 || socket.writableLength === 0);
    const atBlock = server.stats();
    // Whatever the server does next, it must not take more: give it the chance to misbehave.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = server.stats();
    const bound = 2 * 1024 * 1024;
    expect(atBlock.bufferedBytes).toBeLessThan(bound);
    expect(later.bufferedBytes).toBeLessThan(bound);
    expect(later.requestsInFlight).toBeLessThanOrEqual(256);
    expect(later.blockedConnections).toBe(1);
    // Most of what the client sent is still on its side: the server is not reading.
    expect(socket.writableLength).toBeGreaterThan(10 * 1024 * 1024);

    socket.destroy();
    await until(() => server.connectionCount === 0);
    expect(server.stats()).toEqual({
      connections: 0,
      requestsInFlight: 0,
      bufferedBytes: 0,
      blockedConnections: 0,
    });
  });

  it('is served again once it reads: nothing is lost, only delayed', async () => {
    const { server, path } = await startServer();
    const { socket, reader } = await initialized(path);
    socket.pause();
    const pad = 'y'.repeat(4096);
    const sent = 500;
    for (let i = 0; i < sent; i++) {
      socket.write(frame({ jsonrpc: '2.0', id: `${pad}-${i}`, method: '$/ping', params: {} }));
    }
    await until(() => server.stats().blockedConnections === 1 || socket.writableLength === 0);
    socket.resume();
    const pongs = (m: { id?: unknown }[]) =>
      m.filter((x) => typeof x.id === 'string' && x.id.startsWith(pad));
    const all = await reader.until((messages) => pongs(messages).length === sent);
    expect(pongs(all).map((m) => (m.id as string).slice(pad.length + 1))).toEqual(
      Array.from({ length: sent }, (_, i) => String(i)),
    );
    socket.destroy();
  });
});

describe('requests in flight', () => {
  it('beyond the cap are answered Overloaded, a batch with one array', async () => {
    const { server, path } = await startServer({ maxInFlight: 4 });
    const { socket, reader } = await initialized(path);
    socket.write(request(2, 'terminal.spawn', { agentId: 'bp' }));
    const spawned = await reader.response(2);
    const terminalId = (spawned.result as { id: string }).id;
    // Commands on one terminal queue, so each of these stays in flight.
    for (let id = 10; id < 14; id++) {
      socket.write(request(id, 'terminal.execute', { terminalId, command: 'sleep 30' }));
    }
    await until(() => server.stats().requestsInFlight === 4);
    socket.write(request(14, 'terminal.execute', { terminalId, command: 'echo over' }));
    const over = await reader.response(14);
    expect(over.error?.code).toBe(ErrorCode.Overloaded);
    expect(over.error?.message).toMatch(/limit 4/);

    socket.write(
      frame([
        { jsonrpc: '2.0', id: 20, method: '$/ping', params: {} },
        { jsonrpc: '2.0', id: 21, method: '$/ping', params: {} },
      ]),
    );
    const all = await reader.until((messages) => messages.some((m) => Array.isArray(m)));
    const batch = all.find((m) => Array.isArray(m)) as unknown as { id: number; error?: { code: number } }[];
    expect(batch.map((m) => m.id)).toEqual([20, 21]);
    expect(batch.every((m) => m.error?.code === ErrorCode.Overloaded)).toBe(true);

    socket.destroy();
    await until(() => server.connectionCount === 0);
    expect(server.stats().requestsInFlight).toBe(0);
    // The connection's terminal went with it (byte-stream transports have no reconnect).
    await until(() => unix.orch.listTerminals({ agentId: 'bp', state: 'running' }).length === 0);
  });
});
