// `orchflow attach` as a real process against a real Unix socket server: refused input is
// reported once instead of vanishing, a character split across stdin reads arrives whole, and the
// exit code is the terminal's own (1 when it is unknown, never a silent 0).
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrchestratorOptions } from '@orchflow/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { UnixSocketServer } from '../src/unix';
import { spawnCli, waitForStderr } from './cli-run';
import { testOrchestrator } from './transport-harness';

let dir: string;
let sockets = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchflow-attach-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function serve(options: OrchestratorOptions = {}) {
  const orch = testOrchestrator(options);
  const path = join(dir, `s${++sockets}.sock`);
  const server = new UnixSocketServer({ orchestrator: orch, path });
  await server.start();
  onTestFinished(() => server.stop());
  const terminal = await orch.spawnTerminal('attach');
  return { orch, path, id: terminal.id };
}

/** Runs `orchflow attach ID` with piped stdin; resolves once it announced itself. */
async function attach(
  path: string,
  id: string,
): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawnCli(['attach', id, '--server', `unix:${path}`, '--no-resize']);
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdout?.resume();
  await waitForStderr(child, '[attached to');
  return { child, exited };
}

describe('orchflow attach', () => {
  it('says once that input is refused under a policy without raw input', async () => {
    const { path, id } = await serve({ securityPolicy: { allowedCommands: ['echo'] } });
    const { child, exited } = await attach(path, id);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const told = waitForStderr(child, 'input refused');
    child.stdin?.write('ls\r');
    await told;
    child.stdin?.write('more keys\r');
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.stdin?.write(Buffer.from([0x1d]));
    expect(await exited).toBe(0);
    expect(stderr).toContain('input refused: the policy does not grant canWriteRawInput; detach with Ctrl-]');
    expect(stderr.split('input refused').length - 1).toBe(1);
  }, 60_000);

  it('delivers a character split across two reads intact', async () => {
    const { orch, path, id } = await serve();
    const { child } = await attach(path, id);
    const e = Buffer.from('é');
    child.stdin?.write(Buffer.concat([Buffer.from('echo caf'), e.subarray(0, 1)]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin?.write(Buffer.concat([e.subarray(1), Buffer.from('-ok\r')]));
    const deadline = Date.now() + 15_000;
    let text = '';
    while (!text.includes('café-ok\r\n') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = orch.read(id, { fromOffset: 0 }).data;
    }
    expect(text).toContain('café-ok\r\n');
    expect(text).not.toContain('\uFFFD');
  }, 60_000);

  it('types piped input, then detaches at its end and leaves the terminal running', async () => {
    const { orch, path, id } = await serve();
    const { child, exited } = await attach(path, id);
    child.stdin?.end('echo piped-in\r');
    expect(await exited).toBe(0);
    const deadline = Date.now() + 15_000;
    while (!orch.read(id, { fromOffset: 0 }).data.includes('piped-in\r\n') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(orch.read(id, { fromOffset: 0 }).data).toContain('piped-in\r\n');
    expect(orch.listTerminals().find((t) => t.id === id)?.state).toBe('running');
  }, 60_000);

  it("exits with the terminal's exit code, or 1 when it ended without one", async () => {
    const first = await serve();
    const own = await attach(first.path, first.id);
    own.child.stdin?.write('exit 7\r');
    expect(await own.exited).toBe(7);
    const second = await serve();
    const killed = await attach(second.path, second.id);
    await second.orch.kill(second.id, 'SIGKILL');
    expect(await killed.exited).toBe(1);
  }, 60_000);
});
