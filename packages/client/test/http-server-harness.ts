// A real HttpServer (admin principal, no tokens) on 127.0.0.1:0 for the HTTP channel's tests,
// stopped with its orchestrator when the test ends.
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
