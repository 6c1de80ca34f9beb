// `orchflow serve --http`: the log lines a client's invalid JSON-RPC messages cause are
// rate-limited as over WebSocket and written at warn level (the client's fault, not the
// server's), so a client cannot fill the disk through the server's log.
import { PROTOCOL_VERSION } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { listenerAddress, listeningLine, spawnCli, waitForStderr } from './cli-run';

const TOKEN = 'cli-log-flood-token-0123456789abcdef';

it('rate-limits the log lines of invalid messages over HTTP, at warn level', {
  timeout: 90_000,
}, async () => {
  const server = spawnCli(['serve', '--http', '0', '--token', TOKEN, '--log-format', 'json']);
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise((resolve) => server.once('close', resolve));
  const started = await waitForStderr(server, '"listening"');
  const url = listenerAddress(listeningLine(started), 'http');
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  const initialize = {
    jsonrpc: '2.0',
    id: 'init',
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, clientInfo: { name: 'flood' } },
  };
  const created = await fetch(`${url}/v1/rpc`, { method: 'POST', headers, body: JSON.stringify(initialize) });
  const session = created.headers.get('orchflow-session') ?? '';
  expect(session).not.toBe('');
  // A peer chooses much of a line's text: here a 100 000-character id.
  const long = await fetch(`${url}/v1/rpc`, {
    method: 'POST',
    headers: { ...headers, 'Orchflow-Session': session },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'A'.repeat(100_000), result: 1 }),
  });
  expect(long.status).toBeLessThan(300);
  // 60 messages, each a batch of 100 invalid entries: 6000 invalid entries in all.
  for (let i = 0; i < 60; i++) {
    const posted = await fetch(`${url}/v1/rpc`, {
      method: 'POST',
      headers: { ...headers, 'Orchflow-Session': session },
      body: JSON.stringify(Array.from({ length: 100 }, () => i)),
    });
    expect(posted.status).toBeLessThan(300);
  }
  server.kill('SIGTERM');
  await exited;
  const lines = stderr.split('\n').filter((text) => text.startsWith('{'));
  for (const text of lines) expect(text.length).toBeLessThan(2000);
  expect(lines.some((text) => /unknown request id .*A… \(\d+ characters\)/.test(text))).toBe(true);
  const invalid = lines
    .map((text) => JSON.parse(text) as { level: number; msg: string; err?: string })
    .filter((entry) => entry.err?.includes('Invalid JSON-RPC message'));
  expect(invalid.length).toBeGreaterThan(0);
  expect(invalid.length).toBeLessThanOrEqual(10);
  for (const entry of invalid)
    expect(entry).toMatchObject({ level: 40, msg: 'invalid message from a client' });
  expect(invalid[0]?.err).toContain('and 99 more invalid entries in the batch');
});
