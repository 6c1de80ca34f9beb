// readZombieExit against real zombies: children of a `sleep` that never reaps them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readZombieExit } from '../src/tmux/zombie-exit';

const parents: ChildProcess[] = [];
afterEach(() => {
  for (const parent of parents.splice(0)) parent.kill('SIGKILL');
});

/** Runs `script` in the background under a parent that never waits; resolves once it is a zombie. */
async function zombie(script: string): Promise<{ pid: number; parentPid: number }> {
  // The child waits until its parent has become `sleep` (the shell could still reap it before).
  const wait = 'until grep -qx sleep /proc/$PPID/comm; do sleep 0.01; done';
  const parent = spawn('sh', ['-c', `sh -c '${wait}; ${script}' & echo $!; exec sleep 30`], {
    stdio: 'pipe',
  });
  parents.push(parent);
  const pid = await new Promise<number>((resolve) =>
    parent.stdout?.once('data', (d) => resolve(Number(String(d)))),
  );
  for (let i = 0; i < 200; i++) {
    if (readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '))
      return { pid, parentPid: parent.pid ?? 0 };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${pid} never became a zombie`);
}

describe('readZombieExit', () => {
  it('reads the exit code of an unreaped child', async () => {
    const { pid, parentPid } = await zombie('exit 7');
    expect(readZombieExit(pid, parentPid)).toEqual({ exitCode: 7, signal: null });
  });

  it('reads the signal that killed it', async () => {
    const { pid, parentPid } = await zombie('kill -TERM $$');
    expect(readZombieExit(pid, parentPid)).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('does not take a zombie of another parent, a live process or a missing pid for the shell', async () => {
    const { pid, parentPid } = await zombie('exit 0');
    expect(readZombieExit(pid, parentPid)).toEqual({ exitCode: 0, signal: null });
    expect(readZombieExit(pid, parentPid + 1)).toBeUndefined();
    expect(readZombieExit(parentPid, process.pid)).toBeUndefined(); // alive, sleeping
    expect(readZombieExit(4_194_304, 1)).toBeUndefined(); // above pid_max: never exists
  });
});
