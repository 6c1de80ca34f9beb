// HTTP session limits on what the server sends and on connections: an answer over the session's
// 16 MiB event budget fails its request with PayloadTooLarge and the session goes on (it used to be
// taken for a client that does not read, and the session was dropped); and TCP connections beyond
// `maxConnections` are closed as they arrive, so idle ones cannot take the process's file
// descriptors (a spawn then failed with EMFILE).
import { connect, type Socket } from 'node:net';
import { OrchflowClient } from '@orchflow/client/node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { expectOversizedAnswerRefused, startHttp, TOKENS } from './transport-harness';

describe('HTTP server: oversized answers and connection cap', { timeout: 60_000 }, () => {
  it('answers a result over 16 MiB with PayloadTooLarge and keeps the session', async () => {
    const { url } = await startHttp();
    const client = await OrchflowClient.http(url, { token: TOKENS.admin });
    onTestFinished(() => client.close());
    await expectOversizedAnswerRefused(client);
  });

  it('closes connections past maxConnections as they arrive', async () => {
    const { url } = await startHttp({ maxConnections: 3 });
    const { port } = new URL(url);
    const open = async (): Promise<Socket> => {
      const socket = connect(Number(port), '127.0.0.1');
      onTestFinished(() => void socket.destroy());
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    const idle = [await open(), await open(), await open()];
    const extra = await open();
    await new Promise((resolve) => extra.once('close', resolve));
    // One idle connection leaves: a request gets through again.
    idle[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const health = await fetch(`${url}/v1/health`);
    expect(health.status).toBe(200);
  });
});
