// The stdio sidecar (`orchflow serve --stdio`) as a real child process: stdout carries only
// frames (logs go to stderr), every kind of bad input is answered, an oversized frame ends the
// session cleanly, and closing stdin makes it kill its terminals and exit 0.
import { PassThrough } from 'node:stream';
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';
import { ContentLengthCodec } from '@orchflow/protocol';
import { StreamChannel } from '@orchflow/protocol/node';
import { afterAll, describe, expect, it } from 'vitest';
import { StdioServer } from '../src/stdio';
import { spawnCli } from './cli-run';
import { exerciseBadInput, FrameReader, initialize, request } from './stdio-frames';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ReturnType<typeof spawnCli>): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

describe('orchflow serve --stdio (child process)', () => {
  it('answers bad input, keeps stdout to frames only, and exits 0 killing its terminals when stdin closes', async () => {
    const child = spawnCli(['serve', '--stdio', '--log-level', 'debug']);
    const exited = exitOf(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const reader = new FrameReader(child.stdout!);
    const write = (bytes: Buffer) => child.stdin?.write(bytes);
    await exerciseBadInput({ write, reader });

    write(request(20, 'terminal.spawn', { agentId: 'sidecar' }));
    const { pid } = (await reader.response(20)).result as { pid: number };
    expect(isAlive(pid)).toBe(true);
    child.stdin?.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
    // Logs are JSON lines on stderr with request ids; stdout parsed cleanly as frames throughout.
    expect(stderr).toMatch(/"reqId":20/);
    expect(stderr).toMatch(/"msg":"stopped"/);
  });

  it('ends the session cleanly on an oversized frame', async () => {
    const child = spawnCli(['serve', '--stdio']);
    const exited = exitOf(child);
    const reader = new FrameReader(child.stdout!);
    child.stdin?.write(initialize(1));
    await reader.response(1);
    child.stdin?.write(`Content-Length: ${1024 * 1024 * 1024}\r\n\r\n`);
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const child = spawnCli(['serve', '--stdio']);
    const exited = exitOf(child);
    const reader = new FrameReader(child.stdout!);
    child.stdin?.write(initialize(1));
    await reader.response(1);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});

describe('StdioServer in process', () => {
  const orch = Orchestrator.builder().build();
  afterAll(() => orch.shutdown());

  it('serves a client over a stream pair and resolves closed when input ends', async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    await using server = new StdioServer({ orchestrator: orch, input: toServer, output: toClient });
    expect(await server.start()).toEqual({ transport: 'stdio' });
    await expect(server.start()).rejects.toThrow(/already started/);
    const channel = new StreamChannel(
      { readable: toClient, writable: toServer },
      { codec: new ContentLengthCodec() },
    );
    const client = await OrchflowClient.fromChannel(channel);
    expect(client.capabilities.transports).toEqual(['stdio']);
    expect(client.principal).toMatchObject({ kind: 'admin' });
    const terminal = await client.spawnTerminal('in-process', { mode: 'scripted' });
    expect((await terminal.execute('echo $((6*7))')).stdout).toBe('42\n');
    await client.close();
    await server.closed;
    expect(orch.listTerminals({ agentId: 'in-process' }).every((t) => t.state === 'exited')).toBe(true);
  });
});
