// OrchflowClient.unixSocket against a real Unix socket served by core's serveChannel, plus the
// errors a user sees when nothing listens there.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Orchestrator, serveChannel } from '@orchflow/core';
import { ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrchflowClient } from '../src/node';

let dir: string;
let path: string;
let server: Server;
const orch = Orchestrator.builder().build();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-client-unix-'));
  path = join(dir, 'orchflow.sock');
  server = createServer((socket) => {
    serveChannel(orch, new StreamChannel(socket, { codec: new ContentLengthCodec() }), {
      transports: ['unix'],
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await orch.shutdown();
  await rm(dir, { recursive: true, force: true });
});

it('runs commands over the socket', async () => {
  const client = await OrchflowClient.unixSocket(path);
  expect(client.capabilities.transports).toEqual(['unix']);
  const terminal = await client.spawnTerminal('unix-client');
  expect((await terminal.execute('echo hello')).stdout).toBe('hello\n');
  await client.close();
  await client.closed;
});

it('explains how to start a server when nothing listens', async () => {
  await expect(OrchflowClient.unixSocket(join(dir, 'missing.sock'))).rejects.toThrow(
    /no orchflow server is listening there; start one with `orchflow serve --unix/,
  );
});
