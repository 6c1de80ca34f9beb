import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelClosedError, ErrorCode } from '../src/errors';
import type { FrameCodec } from '../src/framing/codec';
import { ContentLengthCodec } from '../src/framing/content-length';
import { NdjsonCodec } from '../src/framing/ndjson';
import { isRequest, type JsonRpcMessage } from '../src/jsonrpc';
import { StreamChannel } from '../src/node/stream-channel';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server that answers every request on a connection with `result: params`. */
async function startEchoServer(listen: (server: Server) => void, makeCodec: () => FrameCodec) {
  const serverChannels: StreamChannel[] = [];
  const server = createServer((socket) => {
    const channel = new StreamChannel(socket, { codec: makeCodec() });
    serverChannels.push(channel);
    void (async () => {
      for await (const message of channel) {
        if (!Array.isArray(message) && isRequest(message)) {
          await channel
            .send({
              jsonrpc: '2.0',
              id: message.id,
              result: message.params ?? null,
            })
            .catch(() => {});
        }
      }
    })();
  });
  listen(server);
  await once(server, 'listening');
  cleanups.push(async () => {
    await Promise.all(serverChannels.map((c) => c.close()));
    server.close();
    await once(server, 'close');
  });
  return { server, serverChannels };
}

async function connected(socket: Socket): Promise<Socket> {
  await once(socket, 'connect');
  return socket;
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('StreamChannel over real sockets', () => {
  it('exchanges requests and responses over TCP on 127.0.0.1', async () => {
    const { server, serverChannels } = await startEchoServer(
      (s) => s.listen(0, '127.0.0.1'),
      () => new ContentLengthCodec(),
    );
    const { port } = server.address() as { port: number };
    const client = new StreamChannel(await connected(createConnection(port, '127.0.0.1')));
    const params = { text: 'héllo 🚀', big: 'z'.repeat(200_000) };
    await Promise.all(
      Array.from({ length: 100 }, (_, id) => client.send({ jsonrpc: '2.0', id, method: 'echo', params })),
    );
    for (let id = 0; id < 100; id++)
      expect(await client.receive()).toEqual({
        jsonrpc: '2.0',
        id,
        result: params,
      });

    // Closing the client ends the connection; the server's channel sees it and closes too.
    await client.close();
    const serverSide = serverChannels[0] as StreamChannel;
    expect(await rejection(serverSide.receive())).toBeInstanceOf(ChannelClosedError);
    expect(serverSide.closed).toBe(true);
  });

  it('exchanges NDJSON over a Unix socket and closes the client when the server goes away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-stream-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'rpc.sock');
    const { serverChannels } = await startEchoServer(
      (s) => s.listen(path),
      () => new NdjsonCodec(),
    );
    const client = new StreamChannel(await connected(createConnection(path)), {
      codec: new NdjsonCodec(),
    });
    await client.send({
      jsonrpc: '2.0',
      id: 'a',
      method: 'echo',
      params: ['日本語'],
    });
    expect(await client.receive()).toEqual({
      jsonrpc: '2.0',
      id: 'a',
      result: ['日本語'],
    });

    const pending = rejection(client.receive());
    await (serverChannels[0] as StreamChannel).close();
    expect(await pending).toBeInstanceOf(ChannelClosedError);
    expect(await rejection(client.send({ jsonrpc: '2.0', method: 'late' }))).toBeInstanceOf(
      ChannelClosedError,
    );
  });

  it('answers a raw client that sends invalid JSON with a ParseError response', async () => {
    const { server } = await startEchoServer(
      (s) => s.listen(0, '127.0.0.1'),
      () => new NdjsonCodec(),
    );
    const { port } = server.address() as { port: number };
    const socket = await connected(createConnection(port, '127.0.0.1'));
    cleanups.push(() => void socket.destroy());
    socket.write('{oops\n{"jsonrpc":"2.0","id":9,"method":"echo","params":[1]}\n');
    const decoder = new NdjsonCodec().createDecoder();
    const replies: unknown[] = [];
    while (replies.length < 2) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      replies.push(...decoder.push(chunk).map((f) => JSON.parse(f)));
    }
    expect(replies).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCode.ParseError, message: expect.any(String) },
      },
      { jsonrpc: '2.0', id: 9, result: [1] },
    ]);
  });
});

describe('StreamChannel over a child process', () => {
  it('talks to a child through its stdio and ends its stdin on close', async () => {
    // The child echoes its stdin byte for byte, so every frame we send comes back intact.
    const child = spawn(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    cleanups.push(() => void child.kill('SIGKILL'));
    const channel = new StreamChannel({
      readable: child.stdout,
      writable: child.stdin,
    });
    const messages: JsonRpcMessage[] = Array.from({ length: 500 }, (_, i) => ({
      jsonrpc: '2.0',
      method: 'terminal.output',
      params: { data: `chunk ${i} 🚀`.repeat(20), offset: i },
    }));
    for (const message of messages) await channel.send(message);
    for (const message of messages) expect(await channel.receive()).toEqual(message);

    await channel.close();
    // The child only exits once its stdin reached EOF.
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
