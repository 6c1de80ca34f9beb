// OrchflowClient.stdio against the real sidecar (`orchflow serve --stdio`, run from source with
// tsx): commands work, a SIGKILL mid-command is reported and the sidecar restarted (events on
// each step) with new terminals working, restarts are bounded, and close() stops the sidecar.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isOrchflowLocalError } from '@orchflow/protocol';
import { expect, it } from 'vitest';
import { OrchflowClient, type SidecarEvent, type StdioClientOptions } from '../src/node';

const serverRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../server');
const sidecar: StdioClientOptions = {
  command: process.execPath,
  args: ['--import', 'tsx', join(serverRoot, 'src/cli/bin.ts'), 'serve', '--stdio', '--log-level', 'warn'],
  cwd: serverRoot,
  restartDelayMs: 50,
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects events and lets a test wait for one. */
function recorder() {
  const events: SidecarEvent[] = [];
  const waiters: (() => void)[] = [];
  return {
    events,
    onEvent: (event: SidecarEvent) => {
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    },
    async waitFor(predicate: (e: SidecarEvent) => boolean): Promise<SidecarEvent> {
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

it('survives a SIGKILLed sidecar: reports it, restarts, and new terminals work', async () => {
  const log = recorder();
  const client = await OrchflowClient.stdio({ ...sidecar, onEvent: log.onEvent });
  const first = (await log.waitFor((e) => e.type === 'started')) as { pid: number };
  const terminal = await client.spawnTerminal('crash-test');
  expect((await terminal.execute('echo before')).stdout).toBe('before\n');

  // Follow the output (subscribed on the old sidecar), then start a long command and kill the
  // sidecar outright once the command has visibly started.
  let seen = '';
  const ended: string[] = [];
  const followed = (async () => {
    for await (const event of terminal.stream()) {
      ended.push(event.type);
      if (event.type === 'data') seen += event.data;
    }
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  const running = terminal.execute('echo started; sleep 600');
  await expect.poll(() => seen, { timeout: 10_000 }).toContain('started');
  process.kill(first.pid, 'SIGKILL');
  const failure = await running.then(
    () => undefined,
    (error: unknown) => error,
  );
  // The local "connection lost" error, never a server's InternalError.
  expect(isOrchflowLocalError(failure) && failure.code).toBe(ErrorCode.ChannelClosed);
  expect((failure as Error).message).toMatch(/SIGKILL/);
  // The stream is cut, not ended: no exit is made up for a terminal whose exit nobody saw.
  const cut = await followed;
  expect(isOrchflowLocalError(cut) && cut.code).toBe(ErrorCode.ChannelClosed);
  expect(ended).not.toContain('end');

  const restarted = (await log.waitFor((e) => e.type === 'restarted')) as { pid: number };
  expect(restarted.pid).not.toBe(first.pid);
  expect(log.events.map((e) => e.type)).toEqual(['started', 'exited', 'restarting', 'started', 'restarted']);
  expect(log.events[1]).toMatchObject({ expected: false, signal: 'SIGKILL' });

  const fresh = await client.spawnTerminal('crash-test');
  expect((await fresh.execute('echo after')).stdout).toBe('after\n');
  const freshPid = fresh.info().pid;
  await client.close();
  expect(isAlive(restarted.pid)).toBe(false);
  expect(isAlive(freshPid)).toBe(false);
  expect(log.events.at(-1)).toMatchObject({ type: 'exited', expected: true });
}, 60_000);

it('gives up after the allowed restarts and closes the client', async () => {
  const log = recorder();
  const client = await OrchflowClient.stdio({ ...sidecar, maxRestarts: 1, onEvent: log.onEvent });
  const first = (await log.waitFor((e) => e.type === 'started')) as { pid: number };
  process.kill(first.pid, 'SIGKILL');
  const second = (await log.waitFor((e) => e.type === 'started' && e.restarts === 1)) as { pid: number };
  // Ping until the restarted sidecar has been re-initialized and answers.
  expect(await client.ping()).toBeGreaterThanOrEqual(0);
  process.kill(second.pid, 'SIGKILL');
  const gaveUp = await log.waitFor((e) => e.type === 'gaveUp');
  expect(gaveUp).toMatchObject({ reason: expect.stringMatching(/giving up/) });
  await client.closed;
  expect(client.isClosed).toBe(true);
}, 60_000);

it('retries a restarted sidecar that dies before answering initialize, within the restart budget', async () => {
  const mark = join(mkdtempSync(join(tmpdir(), 'orchflow-sidecar-')), 'die-next');
  // The wrapper dies at once (before reading anything) while the mark exists, removing it.
  const wrapped: StdioClientOptions = {
    ...sidecar,
    command: 'bash',
    args: [
      '-c',
      'if [ -e "$0" ]; then rm -f "$0"; exit 7; fi; exec "$@"',
      mark,
      process.execPath,
      ...(sidecar.args ?? []),
    ],
    maxRestarts: 3,
  };
  const log = recorder();
  const client = await OrchflowClient.stdio({ ...wrapped, onEvent: log.onEvent });
  try {
    const first = (await log.waitFor((e) => e.type === 'started')) as { pid: number };
    writeFileSync(mark, '');
    process.kill(first.pid, 'SIGKILL');
    const restarted = (await log.waitFor((e) => e.type === 'restarted')) as { restarts: number };
    expect(restarted.restarts).toBe(2);
    expect(log.events.map((e) => e.type)).toEqual([
      'started',
      'exited',
      'restarting',
      'started',
      'exited',
      'restarting',
      'started',
      'restarted',
    ]);
    expect(log.events[4]).toMatchObject({ type: 'exited', code: 7, expected: false });
    const terminal = await client.spawnTerminal('after-retry');
    expect((await terminal.execute('echo fine')).stdout).toBe('fine\n');
  } finally {
    await client.close();
  }
}, 60_000);

it('reports a sidecar that cannot be started', async () => {
  await expect(OrchflowClient.stdio({ command: 'definitely-not-orchflow-xyz' })).rejects.toThrow(
    /command not found/,
  );
});

it('says a sidecar that dies before its first initialize is not restarted (a bad flag)', async () => {
  const log = recorder();
  const error = await OrchflowClient.stdio({
    ...sidecar,
    args: [...(sidecar.args ?? []), '--policy', 'no-such-policy-file'],
    onEvent: log.onEvent,
  }).catch((e: unknown) => e);
  expect(isOrchflowLocalError(error) && error.code).toBe(ErrorCode.ChannelClosed);
  expect((error as Error).message).toMatch(
    /died \(exit code 2.*before it answered 'initialize'; it was not restarted: check its command line/,
  );
  expect(log.events.filter((e) => e.type === 'started')).toHaveLength(1);
  expect(log.events.some((e) => e.type === 'restarting')).toBe(false);
}, 60_000);
