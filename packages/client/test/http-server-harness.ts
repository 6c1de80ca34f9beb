// A real HttpServer (admin principal, no tokens) on 127.0.0.1:0 for the HTTP channel's tests,
// stopped with its orchestrator when the test ends; and plain node:http servers of the tests,
// listening on 127.0.0.1:0 until the test ends.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Orchestrator } from '@orchflow/core';
import { HttpServer } from '@orchflow/server';
import { onTestFinished } from 'vitest';

/** Starts the server; resolves with its URL and the server (for its `stats()`). */
export async function serveHttp(): Promise<{ url: string; server: HttpServer }> {
  const orch = Orchestrator.builder().build();
  const server = new HttpServer({ orchestrator: orch, principal: { kind: 'admin' } });
  const { url } = await server.start();
  onTestFinished(async () => {
    await server.stop();
    await orch.shutdown();
  });
  return { url, server };
}

/** Starts `server` on 127.0.0.1:0, closed (its connections cut) when the test ends; resolves with its port. */
export async function listenForTest(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}
