// What a failed connection says: a WebSocket URL without a scheme is InvalidParams naming
// ws:// and wss:// (not ws's SyntaxError), a refused HTTP connection names the refusal and the
// address (not just "fetch failed"), and a sidecar that dies reports its last warning or error
// log lines as text, not the info-level JSON lines before them.
import { createServer } from 'node:net';
import { ErrorCode, orchflowErrorCode } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { OrchflowClient as RootClient } from '../src/index';
import { OrchflowClient as NodeClient } from '../src/node';

/** A port nothing listens on: one the OS handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it.each([
  ['root', RootClient],
  ['node', NodeClient],
])('%s: a WebSocket URL without ws:// or wss:// is InvalidParams saying so', async (_entry, Client) => {
  for (const url of ['127.0.0.1:7777', 'localhost:7777', 'ftp://127.0.0.1:7777']) {
    const error = await Client.websocket(url, { reconnect: false }).catch((e: unknown) => e);
    expect(orchflowErrorCode(error), String(error)).toBe(ErrorCode.InvalidParams);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toMatch(/ws:\/\/.*wss:\/\//);
  }
});

it.each([
  ['root (fetch)', RootClient],
  ['node (node:http)', NodeClient],
])('%s: a refused HTTP connection names ECONNREFUSED and the address', async (_entry, Client) => {
  const port = await closedPort();
  const error = await Client.http(`http://127.0.0.1:${port}`).catch((e: unknown) => e);
  expect(orchflowErrorCode(error)).toBe(ErrorCode.ChannelClosed);
  expect((error as Error).message).toContain('ECONNREFUSED');
  expect((error as Error).message).toContain(`127.0.0.1:${port}`);
});

it("reports a dead sidecar's last warn/error log lines by their message, not its info-level JSON", async () => {
  const lines = [
    { level: 30, time: 1, pid: 1, hostname: 'h', name: 'orchflow', msg: 'listening' },
    { level: 50, time: 2, pid: 1, hostname: 'h', name: 'orchflow', msg: 'cannot read the policy file' },
    { level: 30, time: 3, pid: 1, hostname: 'h', name: 'orchflow', msg: 'shutting down' },
  ];
  const script = `process.stderr.write(${JSON.stringify(lines.map((line) => `${JSON.stringify(line)}\n`).join(''))}, () => process.exit(1))`;
  const error = await NodeClient.stdio({ command: process.execPath, args: ['-e', script] }).catch(
    (e: unknown) => e,
  );
  expect(orchflowErrorCode(error)).toBe(ErrorCode.ChannelClosed);
  const message = (error as Error).message;
  expect(message).toContain('exit code 1');
  expect(message).toContain('cannot read the policy file');
  expect(message).not.toContain('"level"');
  expect(message).not.toContain('listening');
});
