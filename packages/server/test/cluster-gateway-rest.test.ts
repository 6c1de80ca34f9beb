// REST through a cluster gateway keeps single-server semantics: a terminal spawned with
// `POST /v1/terminals` lives until it is deleted, although each request is its own connection to
// the nodes. The control in the same test: a WebSocket caller through the same gateway that
// vanishes (socket cut, no `$/shutdown`) loses its terminal once the node's reconnect grace ends —
// the wait that proves the REST terminal outlived the grace.
import { ClusterDirectory } from '@orchflow/client/internal';
import { PROTOCOL_VERSION } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { cliForTest, tokensFileForTest, waitForStderr } from './cli-run';
import { natsForTest, ncForTest, until } from './cluster-harness';
import { TOKENS } from './transport-harness';

const GRACE_MS = 400;

/** Spawns a terminal over a raw WebSocket, then cuts the socket without a clean end. */
async function spawnAndVanish(url: string, token: string): Promise<string> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const replies = new Map<number, (message: Record<string, unknown>) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    if (typeof message.id === 'number') replies.get(message.id)?.(message);
  });
  const call = (id: number, method: string, params: unknown) =>
    new Promise<Record<string, unknown>>((resolve) => {
      replies.set(id, resolve);
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  await call(1, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    token,
    clientInfo: { name: 'vanishing' },
  });
  const spawned = await call(2, 'terminal.spawn', { agentId: 'ws-vanishing' });
  const id = (spawned.result as { id?: string } | undefined)?.id;
  if (!id) throw new Error(`spawn failed: ${JSON.stringify(spawned)}`);
  socket.terminate();
  return id;
}

describe('orchflow serve --cluster: REST terminals', () => {
  it('live until DELETE, while a vanished WebSocket caller loses its terminal after the grace', async () => {
    const nats = await natsForTest();
    const tokens = await tokensFileForTest([{ token: TOKENS.admin, principal: { kind: 'admin' } }]);
    const nc = await ncForTest(nats.url);
    const directory = await ClusterDirectory.open(nc, { checkIntervalMs: 100 });
    onTestFinished(() => directory.close());
    const node = cliForTest([
      'node',
      '--log-format',
      'human',
      '--nats',
      nats.url,
      '--name',
      'rest-n1',
      '--tokens',
      tokens,
      '--policy',
      'trusted',
      '--reconnect-grace',
      String(GRACE_MS),
    ]);
    await waitForStderr(node, 'ready');
    await until(() => directory.nodes().length === 1, 'the node announced');
    const gatewayProcess = cliForTest([
      'serve',
      '--log-format',
      'human',
      '--ws',
      '0',
      '--http',
      '0',
      '--cluster',
      nats.url,
    ]);
    const banner = await waitForStderr(gatewayProcess, 'policy');
    const ws = /ws:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
    const http = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0];
    if (!ws || !http) throw new Error(`no listener in the banner: ${banner}`);
    const headers = { Authorization: `Bearer ${TOKENS.admin}`, 'Content-Type': 'application/json' };
    const stateOf = async (id: string): Promise<string> => {
      const response = await fetch(`${http}/v1/terminals/${id}`, { headers });
      if (response.status === 404) return 'gone';
      return ((await response.json()) as { state: string }).state;
    };

    const spawned = await fetch(`${http}/v1/terminals`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agentId: 'rest-agent' }),
    });
    expect(spawned.status).toBe(201);
    const restId = ((await spawned.json()) as { id: string }).id;
    const vanishedId = await spawnAndVanish(ws, TOKENS.admin);

    // The vanished caller's terminal goes once the grace ends: the grace has certainly passed.
    await until(async () => (await stateOf(vanishedId)) !== 'running', 'the orphan killed', 20_000);
    // Another grace, for good measure, then the REST terminal must still run and answer.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    expect(await stateOf(restId)).toBe('running');
    const executed = await fetch(`${http}/v1/terminals/${restId}/execute`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ command: 'echo still-here' }),
    });
    expect(await executed.json()).toMatchObject({ stdout: 'still-here\n', exitCode: 0 });

    const deleted = await fetch(`${http}/v1/terminals/${restId}`, { method: 'DELETE', headers });
    expect(deleted.status).toBeLessThan(300);
    await until(async () => (await stateOf(restId)) !== 'running', 'the REST terminal deleted');
  }, 90_000);
});
