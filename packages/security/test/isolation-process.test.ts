import type { Terminal } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { canLimitProcesses, isolatedTerminal, loopbackServer, survivors } from './isolation-helpers';

// Forks sleepers until fork fails, reports how far it got, then kills its own process group.
const FORK_BOMB = [
  'import os, signal, sys, time',
  'n = 0',
  'try:',
  '    for i in range(500):',
  '        if os.fork() == 0:',
  '            time.sleep(60); os._exit(0)',
  '        n += 1',
  'except OSError as e:',
  '    print("blocked after", n, "forks:", e.strerror, flush=True)',
  'os.killpg(0, signal.SIGKILL)',
].join('\n');

let term: Terminal | undefined;
afterEach(async () => {
  await term?.kill();
  term = undefined;
});

describe("isolationLevel 'process'", () => {
  it('runs commands with exit codes in their own session, with no-new-privileges and a scrubbed env', async () => {
    process.env.TEST_LEAKED_TOKEN = 'secret';
    try {
      term = await isolatedTerminal({ level: 'process' });
    } finally {
      delete process.env.TEST_LEAKED_TOKEN;
    }
    expect((await term.execute('(exit 7)')).exitCode).toBe(7);
    const status = await term.execute('grep NoNewPrivs /proc/$$/status; ps -o sid= -p $$; echo $$');
    const [nnp, sid, pid] = status.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim());
    expect(nnp).toMatch(/NoNewPrivs:\s+1/);
    expect(sid).toBe(pid);
    const env = await term.execute('echo "[$TEST_LEAKED_TOKEN][$ORCHFLOW_TEST_SECRET_OK][$PAGER]"');
    expect(env.stdout.trim()).toBe('[][kept][cat]');
  });

  it('stops a memory hog at maxMemoryMb', async () => {
    term = await isolatedTerminal({ level: 'process', limits: { maxMemoryMb: 256 } });
    const r = await term.execute(`python3 -c 'x = bytearray(10**9); print("allocated")'`, {
      timeoutMs: 30_000,
    });
    expect(r.stdout).toContain('MemoryError');
    expect(r.stdout).not.toContain('allocated');
    expect(r.exitCode).not.toBe(0);
  });

  it('kills a CPU spinner at maxCpuSeconds', async () => {
    term = await isolatedTerminal({ level: 'process', limits: { maxCpuSeconds: 1 } });
    const r = await term.execute(`bash -c 'while :; do :; done'; echo "status=$?"`, { timeoutMs: 30_000 });
    expect(r.timedOut).toBe(false);
    // SIGXCPU (128+24) at the soft limit, or SIGKILL (128+9) at the hard one.
    expect(r.stdout).toMatch(/status=(152|137)/);
  });

  it.skipIf(!canLimitProcesses)('stops a fork bomb at maxProcesses', async () => {
    term = await isolatedTerminal({ level: 'process', limits: { maxProcesses: 40 } });
    const r = await term.execute(`python3 -c '${FORK_BOMB}'`, { timeoutMs: 30_000 });
    expect(r.stdout).toMatch(/blocked after (\d+) forks/);
    expect(Number(/blocked after (\d+)/.exec(r.stdout)?.[1])).toBeLessThan(40);
    expect((await term.execute('echo alive')).stdout).toBe('alive\n');
  });

  it('a timeout kills the whole group: no survivor', async () => {
    term = await isolatedTerminal({ level: 'process' });
    const r = await term.execute(`sh -c 'sleep 300 & sleep 300 & sleep 300'`, { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(await survivors(term.pid, 'sleep')).toEqual([]);
    expect((await term.execute('echo still-usable')).stdout).toBe('still-usable\n');
  });

  it('network deny: curl and nc cannot reach a loopback server outside; allow can', async () => {
    await using server = await loopbackServer();
    const probe = `curl -s -m 5 http://127.0.0.1:${server.port}/; echo " curl=$?"; echo hi | nc -w 3 127.0.0.1 ${server.port} >/dev/null 2>&1; echo "nc=$?"`;
    term = await isolatedTerminal({ level: 'process', network: false });
    const denied = await term.execute(probe, { timeoutMs: 20_000 });
    expect(denied.stdout).not.toContain('pong');
    expect(denied.stdout).toMatch(/curl=[1-9]/);
    expect(denied.stdout).toMatch(/nc=[1-9]/);
    await term.kill();
    term = await isolatedTerminal({ level: 'process', network: true });
    const allowed = await term.execute(probe, { timeoutMs: 20_000 });
    expect(allowed.stdout).toContain('pong curl=0');
    expect(allowed.stdout).toContain('nc=0');
  });

  it("network deny holds at level 'none' too", async () => {
    await using server = await loopbackServer();
    term = await isolatedTerminal({ level: 'none', network: false });
    const r = await term.execute(`curl -s -m 5 http://127.0.0.1:${server.port}/; echo " curl=$?"`, {
      timeoutMs: 20_000,
    });
    expect(r.stdout).toMatch(/^ curl=[1-9]/);
  });
});
