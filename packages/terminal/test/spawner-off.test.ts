// Where the spawner may not run (ORCHFLOW_SPAWNER=off here; elsewhere: not compiled, not trusted,
// not Linux), terminals are forked by node-pty in this process and work the same.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Spawner } from '../src/spawner/spawner';
import { terminalFixture } from './fixture';

// Before the first terminal of this file (each test file has its own module state).
process.env.ORCHFLOW_SPAWNER = 'off';
const { spawn } = terminalFixture('spawner-off');

describe('without the spawner', () => {
  it('node-pty forks the shell in this process, and the terminal works the same', async () => {
    const t = await spawn();
    const shell = Number((await t.execute('echo $$')).stdout.trim());
    const parent = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${shell}/status`, 'utf8'))?.[1]);
    expect(parent).toBe(process.pid);
    expect(Spawner.shared()).toBeUndefined();
    expect(Spawner.unavailableReason).toBe('ORCHFLOW_SPAWNER=off');
    const other = await spawn();
    other.write('exit 4\n');
    expect(await other.exited).toEqual({ exitCode: 4, signal: null });
  });
});
