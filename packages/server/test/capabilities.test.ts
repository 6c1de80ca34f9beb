// `initialize` lists `reconnect` only where a dropped connection's terminals really survive: not
// on a WebSocket or HTTP server whose reconnect grace is 0, not on a Unix socket or in-process
// connection that kills on close (their defaults), and a client's calls check what is listed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client';
import { OrchflowClient as NodeClient } from '@orchflow/client/node';
import { expect, it, onTestFinished } from 'vitest';
import { UnixSocketServer } from '../src/unix';
import { startHttp, startWs, TOKENS, testOrchestrator } from './transport-harness';

async function features(connecting: Promise<OrchflowClient>): Promise<string[]> {
  const client = await connecting;
  onTestFinished(() => client.close());
  return client.capabilities.features;
}

it('lists reconnect on WebSocket and HTTP only while they keep dropped terminals', async () => {
  const kept = await startWs();
  expect(await features(NodeClient.websocket(kept.url, { token: TOKENS.admin }))).toContain('reconnect');
  const gone = await startWs({ reconnectGraceMs: 0 });
  expect(await features(NodeClient.websocket(gone.url, { token: TOKENS.admin }))).not.toContain('reconnect');
  const http = await startHttp();
  expect(await features(OrchflowClient.http(http.url, { token: TOKENS.admin }))).toContain('reconnect');
  const httpGone = await startHttp({ reconnectGraceMs: 0 });
  expect(await features(OrchflowClient.http(httpGone.url, { token: TOKENS.admin }))).not.toContain(
    'reconnect',
  );
});

it('does not list reconnect where a drop kills the terminals (Unix socket and orch.connect defaults)', async () => {
  const orch = testOrchestrator();
  const path = join(mkdtempSync(join(tmpdir(), 'orchflow-caps-')), 'orchflow.sock');
  const server = new UnixSocketServer({ orchestrator: orch, path });
  await server.start();
  onTestFinished(() => server.stop());
  expect(await features(NodeClient.unixSocket(path))).not.toContain('reconnect');
  const kept = new UnixSocketServer({
    orchestrator: orch,
    path: `${path}.kept`,
    killTerminalsOnClose: false,
  });
  await kept.start();
  onTestFinished(() => kept.stop());
  expect(await features(NodeClient.unixSocket(`${path}.kept`))).toContain('reconnect');
  expect(await features(OrchflowClient.direct(orch))).not.toContain('reconnect');
});
