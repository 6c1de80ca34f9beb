// UnixSocketServer over real sockets: 0600 socket file, stale/live/non-socket paths, bad input of
// every kind (the server stays up for other clients), oversized frames, token auth, a client that
// vanishes mid-command, and stop() cleaning up.
import { spawnSync } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { OrchflowClient } from '@orchflow/client/node';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../src/auth';
import { UnixSocketServer } from '../src/unix';
import { exerciseBadInput, FrameReader, initialize, type RawConnection, request } from './stdio-frames';
import { unixFixture } from './unix-harness';

const unix = unixFixture('orchflow-unix-');
const startServer = unix.startServer;

function raw(path: string): Promise<RawConnection & { socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => resolve({ socket, write: (b) => socket.write(b), reader }));
    const reader = new FrameReader(socket);
    socket.once('error', reject);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('socket file', () => {
  it('is created with mode 0600 and removed on stop', async () => {
    const { server, path } = await startServer();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await server.stop();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('replaces a stale socket but refuses a live one or a regular file', async () => {
    const stalePath = join(unix.dir, 'stale.sock');
    // A socket file with no listener: a server process that was SIGKILLed leaves exactly this.
    spawnSync(
      process.execPath,
      [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(stalePath)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ],
      { stdio: 'ignore' },
    );
    expect((await stat(stalePath)).isSocket()).toBe(true);
    const revived = new UnixSocketServer({ orchestrator: unix.orch, path: stalePath });
    unix.track(revived);
    await revived.start();
    const second = new UnixSocketServer({ orchestrator: unix.orch, path: stalePath });
    await expect(second.start()).rejects.toThrow(/already listening/);
    const file = join(unix.dir, 'plain-file');
    await writeFile(file, 'keep me');
    await expect(new UnixSocketServer({ orchestrator: unix.orch, path: file }).start()).rejects.toThrow(
      /not a socket/,
    );
    expect((await stat(file)).size).toBe(7);
  });
});

describe('bad input', () => {
  it('answers every kind of bad input and stays up for other clients', async () => {
    const { server, path } = await startServer();
    const bad = await raw(path);
    const bystander = await OrchflowClient.unixSocket(path);
    await exerciseBadInput(bad);
    expect(await bystander.ping()).toBeGreaterThanOrEqual(0);
    bad.socket.destroy();
    await bystander.close();
    await expect.poll(() => server.connectionCount, { timeout: 5_000 }).toBe(0);
  });

  it('closes a connection that sends an oversized frame, and only that one', async () => {
    const { path } = await startServer({ maxFrameBytes: 1024 });
    const big = await raw(path);
    const other = await OrchflowClient.unixSocket(path);
    big.write(Buffer.from(`Content-Length: ${10 * 1024 * 1024}\r\n\r\n`));
    await big.reader.end();
    expect(big.reader.closed).toBe(true);
    const terminal = await other.spawnTerminal('still-up', { mode: 'scripted' });
    expect((await terminal.execute('echo ok')).stdout).toBe('ok\n');
    await other.close();
  });
});

describe('auth', () => {
  const ADMIN = 'unix-admin-token-0123';
  const AGENT = 'unix-agent-token-0123';
  const auth = () =>
    new TokenAuthenticator({
      tokens: [
        { token: ADMIN, principal: { kind: 'admin' } },
        { token: AGENT, principal: { kind: 'agent', agentIds: ['mine'] } },
      ],
    });

  async function code(promise: Promise<unknown>): Promise<number | undefined> {
    return promise.then(
      () => undefined,
      (error: unknown) => (isOrchflowError(error) ? error.code : -1),
    );
  }

  it('refuses no token and a wrong token; an agent cannot touch another agent’s terminal', async () => {
    const { path } = await startServer({ auth: auth() });
    expect(await code(OrchflowClient.unixSocket(path))).toBe(ErrorCode.Unauthorized);
    expect(await code(OrchflowClient.unixSocket(path, { token: 'wrong-token-000000000' }))).toBe(
      ErrorCode.Unauthorized,
    );
    const admin = await OrchflowClient.unixSocket(path, { token: ADMIN });
    const agent = await OrchflowClient.unixSocket(path, { token: AGENT });
    const foreign = await admin.spawnTerminal('theirs', { mode: 'scripted' });
    expect(await code(agent.handle(foreign.info()).execute('echo leak'))).toBe(ErrorCode.TerminalNotFound);
    expect(await code(agent.handle(foreign.info()).write('echo leak\n'))).toBe(ErrorCode.TerminalNotFound);
    expect(await agent.listTerminals()).toEqual([]);
    expect(await code(agent.spawnTerminal('theirs'))).toBe(ErrorCode.Forbidden);
    await admin.close();
    await agent.close();
  });

  it('lets a raw client learn nothing before authenticating', async () => {
    const { path } = await startServer({ auth: auth() });
    const conn = await raw(path);
    conn.write(initialize(1));
    expect((await conn.reader.response(1)).error?.code).toBe(ErrorCode.Unauthorized);
    conn.write(request(2, 'terminal.list', {}));
    expect((await conn.reader.response(2)).error?.code).toBe(ErrorCode.NotInitialized);
    conn.socket.destroy();
  });
});

describe('faults', () => {
  it('kills the terminals of a client that vanishes mid-command', async () => {
    const { server, path } = await startServer();
    const conn = await raw(path);
    conn.write(initialize(1));
    await conn.reader.response(1);
    conn.write(request(2, 'terminal.spawn', { agentId: 'vanishing' }));
    const spawned = (await conn.reader.response(2)).result as { id: string; pid: number };
    conn.write(request(3, 'terminal.execute', { terminalId: spawned.id, command: 'sleep 600' }));
    // Wait until the command is running before the client disappears.
    const children = () => spawnSync('ps', ['-o', 'comm=', '--ppid', String(spawned.pid)]).stdout.toString();
    await expect.poll(children, { timeout: 10_000 }).toContain('sleep');
    conn.socket.destroy();
    await expect.poll(() => isAlive(spawned.pid), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => server.connectionCount, { timeout: 5_000 }).toBe(0);
  });

  it('stop() closes connections and kills their terminals', async () => {
    const { server, path } = await startServer();
    const client = await OrchflowClient.unixSocket(path);
    const terminal = await client.spawnTerminal('stopping');
    const pid = terminal.info().pid;
    await server.stop();
    await client.closed;
    expect(isAlive(pid)).toBe(false);
  });
});

it('refuses to start twice', async () => {
  const { server } = await startServer();
  await expect(server.start()).rejects.toThrow(/already started/);
});
