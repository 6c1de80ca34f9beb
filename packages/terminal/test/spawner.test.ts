// Terminals are forked by orchflow-spawner, not by this process: what that must keep true — the
// shell's tty and its lines, exit statuses, input that fills the PTY, a start that fails, and a
// spawner that dies under running terminals.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lookUpNativeLauncher, lookUpNativeProgram } from '../src/containment/launcher';
import type { PtyProcess, PtySpawnRequest } from '../src/pty-process';
import { Spawner } from '../src/spawner/spawner';
import { exitInfo, nodePtyNative, spawnThroughSpawner } from '../src/spawner/spawner-pty';
import { terminalFixture } from './fixture';

const { dir, spawn } = terminalFixture('spawner');

function request(file: string, args: string[], extra: Partial<PtySpawnRequest> = {}): PtySpawnRequest {
  return {
    file,
    args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir() },
    cwd: dir(),
    cols: 100,
    rows: 30,
    nonce: 'n',
    dir: dir(),
    ...extra,
  };
}

/**
 * Starts `request` through the process's spawner; collects its output (unless `listen` is false);
 * kills it after the test.
 */
async function start(
  req: PtySpawnRequest,
  listen = true,
): Promise<{ pty: PtyProcess; output: () => string; exit: Promise<unknown> }> {
  const spawner = Spawner.shared();
  const native = nodePtyNative();
  if (!spawner || !native) throw new Error(`no spawner: ${Spawner.unavailableReason}`);
  const pty = await spawnThroughSpawner(spawner, native, req);
  const chunks: Buffer[] = [];
  if (listen) pty.onData((bytes) => chunks.push(Buffer.from(bytes)));
  const exit = new Promise((resolve) => pty.onExit(resolve));
  onTestFinished(async () => {
    try {
      process.kill(pty.pid, 'SIGKILL');
    } catch {}
    await exit;
  });
  return { pty, output: () => Buffer.concat(chunks).toString(), exit };
}

function comm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

function parentOf(pid: number): number {
  return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

describe('orchflow-spawner', () => {
  it('keeps node running only while a terminal runs (an idle spawner does not hold the event loop)', async () => {
    // The first test of the file: no spawner runs yet in this process.
    const pipes = () => process.getActiveResourcesInfo().filter((kind) => kind === 'PipeWrap').length;
    const idle = pipes();
    const { exit } = await start(request('/bin/sh', ['-c', 'sleep 0.2']));
    expect(pipes()).toBe(idle + 1);
    await exit;
    expect(pipes()).toBe(idle);
  });

  it('forks a terminal shell outside this process, as the leader of its own session on its PTY', async () => {
    const t = await spawn();
    const [pid, sid, tty] = (await t.execute('echo $$ $(ps -o sid= -p $$) $(tty)')).stdout
      .trim()
      .split(/\s+/);
    expect(comm(parentOf(Number(pid)))).toBe('orchflow-spawne');
    expect(parentOf(parentOf(Number(pid)))).toBe(process.pid);
    expect(Number(sid)).toBe(Number(pid));
    expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
    // The line discipline node-pty sets up: Ctrl-C interrupts, and the size is the terminal's.
    expect((await t.execute('stty size')).stdout.trim()).toBe('24 80');
    expect((await t.execute('stty -a')).stdout).toMatch(/intr = \^C;.*erase = \^\?;/s);
  });

  it('reports exit codes and signals from the wait status', async () => {
    expect(exitInfo(3 << 8)).toEqual({ exitCode: 3, signal: null });
    expect(exitInfo(9)).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(exitInfo(undefined)).toEqual({ exitCode: null, signal: null, reason: 'spawner-lost' });
    const coded = await start(request('/bin/sh', ['-c', 'printf done; exit 7']));
    expect(await coded.exit).toEqual({ exitCode: 7, signal: null });
    expect(coded.output()).toBe('done');
    const killed = await start(request('/bin/sh', ['-c', 'kill -TERM $$; sleep 5']));
    expect(await killed.exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('delivers every byte of input larger than the PTY holds, in order, while the program reads slowly', async () => {
    const file = join(dir(), 'input');
    // Raw and without echo, so the bytes pass unchanged; the sleep lets the input queue fill first.
    const { pty, exit } = await start(
      request('/bin/sh', ['-c', `stty raw -echo; sleep 0.3; head -c 300000 > ${file}`]),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = Buffer.alloc(300_000);
    for (let i = 0; i < sent.length; i++) sent[i] = 0x41 + (i % 26);
    for (let at = 0; at < sent.length; at += 10_000) pty.write(sent.subarray(at, at + 10_000));
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(file).equals(sent)).toBe(true);
  });

  it("runs the launcher's steps in the child it forked when asked to start the native launcher", async () => {
    const found = lookUpNativeLauncher();
    if (!('path' in found)) throw new Error(found.missing);
    // The stashed variable comes back, and the program runs without the launcher around it.
    const ok = await start(
      request(
        found.path,
        ['', '0', '/bin/sh', '-c', 'printf "%s|%s" "$LD_TESTVAR" "$(cat /proc/$PPID/comm)"'],
        {
          env: { PATH: '/usr/bin:/bin', ORCHFLOW_LAUNCH_STASH_LD_TESTVAR: 'kept' },
        },
      ),
    );
    expect(await ok.exit).toEqual({ exitCode: 0, signal: null });
    expect(ok.output()).toBe('kept|orchflow-spawne');
    // A step that fails says so on the terminal and ends it with 126, as orchflow-launch does.
    const bad = await start(request(found.path, ['zz', '0', '/bin/sh', '-c', 'echo ran']));
    expect(await bad.exit).toEqual({ exitCode: 126, signal: null });
    expect(bad.output()).toContain('orchflow-launch: the seccomp filter argument is not a whole program');
    expect(bad.output()).not.toContain('ran');
  });

  it('takes requests larger than a pipe holds, several at once', async () => {
    // 300 KB of environment (Linux takes at most 128 KiB per variable) arrives in several reads;
    // four requests are written back to back.
    const big = 'v'.repeat(100_000);
    const env = { PATH: '/usr/bin:/bin', BIG1: big, BIG2: big, BIG3: big };
    const runs = await Promise.all(
      [1, 2, 3, 4].map((n) => start(request('/bin/sh', ['-c', `printf '%s:%s' ${n} "\${#BIG3}"`], { env }))),
    );
    for (const [i, run] of runs.entries()) {
      expect(await run.exit).toEqual({ exitCode: 0, signal: null });
      expect(run.output()).toBe(`${i + 1}:100000`);
    }
  });

  it('passes no fd of the orchestrating process to a terminal where the kernel has no close_range (before 5.9)', () => {
    const found = lookUpNativeProgram('orchflow-spawner', 'spawner');
    if (!('path' in found)) throw new Error(found.missing);
    // A PTY master the orchestrator holds at fd 1500, inheritable (node-pty's masters have no
    // close-on-exec); strace makes every close_range fail with ENOSYS, in the spawner and its child.
    const driver = [
      'import os, pty, subprocess, sys, time',
      'master, slave = pty.openpty()',
      'held = os.dup2(master, 1500)',
      'name = os.ttyname(slave); os.close(slave)',
      'p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(held,))',
      'fields = ["1", "exec", name, "/", "/bin/sh", "3", "sh", "-c", "ls /proc/$$/fd; printf END", "1", "PATH=/bin:/usr/bin"]',
      'p.stdin.write(b"\\0".join(f.encode() for f in fields) + b"\\0"); p.stdin.flush()',
      'print(p.stdout.readline().decode().strip())',
      'out = b""',
      'while b"END" not in out: out += os.read(master, 4096)',
      'print(" ".join(out.decode().split()))',
      'p.stdin.close(); p.wait()',
    ].join('\n');
    const output = execFileSync(
      'strace',
      [
        '-f',
        '-qq',
        '-o',
        '/dev/null',
        '-e',
        'inject=close_range:error=ENOSYS',
        '--',
        'python3',
        '-c',
        driver,
        found.path,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    const [reply, fds] = output.trim().split('\n');
    expect(reply).toMatch(/^P 1 \d+$/);
    // The shell holds its tty as 0-2, nothing else.
    expect(fds).toBe('0 1 2 END');
  });

  it("gives the process this process's umask and working directory as they are now", async () => {
    const before = process.umask(0o077);
    onTestFinished(() => {
      process.umask(before);
    });
    // An empty cwd means this process's, as with node-pty.
    const run = await start(
      request('/bin/sh', ['-c', 'printf "%s %s %s" "$(umask)" "$PWD" "$(pwd)"'], { cwd: '' }),
    );
    await run.exit;
    expect(run.output()).toBe(`0077 ${process.cwd()} ${process.cwd()}`);
  });

  it('reports an exit at once when nobody reads the output', async () => {
    const started = Date.now();
    const { exit } = await start(request('/bin/sh', ['-c', 'echo unread; exit 5']), false);
    expect(await exit).toEqual({ exitCode: 5, signal: null });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reads the last output to its end when a pause comes while it drains at exit', async () => {
    // A reader that pauses on every chunk and resumes 3 s later (a subscriber falling behind):
    // the program writes 20 000 bytes (the kernel holds what is not read yet) and exits during
    // the first pause; the drain then reads on, and the pause each drained chunk asks for must
    // not stop it short of the end (it did: the drain's 2 s timeout ended it, the rest lost).
    const { pty, exit } = await start(
      request('/bin/sh', ['-c', 'head -c 20000 /dev/zero | tr "\\0" x; exit 0']),
      false,
    );
    let xs = 0;
    pty.onData((bytes) => {
      xs += Buffer.from(bytes).toString('latin1').split('x').length - 1;
      pty.pause();
      setTimeout(() => pty.resume(), 3000).unref();
    });
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    expect(xs).toBe(20_000);
  });

  it('drains terminals whose output was stopped (Ctrl-S) at exit without holding threads of the pool', async () => {
    const runs = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => {
        const run = await start(request('/bin/sh', ['-c', 'sleep 0.3']));
        run.pty.write('\x13'); // XOFF: the PTY takes no output, the sentinel included.
        return run;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The exits wait out the drain's timeout; file reads (libuv's pool, 4 threads) do not.
    const read = Date.now();
    await readFile('/proc/self/stat');
    expect(Date.now() - read).toBeLessThan(300);
    for (const run of runs) expect(await run.exit).toEqual({ exitCode: 0, signal: null });
  });

  it('says why a program could not start, and what failed', async () => {
    await expect(start(request(join(dir(), 'no-such-program'), []))).rejects.toThrow(
      /cannot run the program: no such file or directory \(ENOENT\)/,
    );
    await expect(start(request('/bin/sh', [], { cwd: join(dir(), 'missing') }))).rejects.toThrow(
      /cannot change to the working directory: no such file or directory \(ENOENT\)/,
    );
    await expect(start(request('/bin/sh', ['-c', 'true'], { env: { BAD: 'a\0b' } }))).rejects.toThrow(
      /NUL byte/,
    );
    // More than the spawner takes is refused here; a process it runs meanwhile keeps its status.
    const running = await start(request('/bin/sh', ['-c', 'sleep 0.3; exit 7']));
    const huge = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`V${i}`, 'x'.repeat(100_000)]));
    await expect(start(request('/bin/sh', ['-c', 'true'], { env: huge }))).rejects.toThrow(
      /arguments and environment take \d+ bytes; the spawner takes at most/,
    );
    expect(await running.exit).toEqual({ exitCode: 7, signal: null });
    // The spawner is still there for the next one.
    const ok = await start(request('/bin/sh', ['-c', 'exit 0']));
    expect(await ok.exit).toEqual({ exitCode: 0, signal: null });
  });

  it('a terminal outlives a spawner that was killed: its end is still reported, and the next spawn gets a new spawner', async () => {
    const t = await spawn();
    const shell = Number((await t.execute('echo $$')).stdout.trim());
    const spawnerPid = parentOf(shell);
    expect(comm(spawnerPid)).toBe('orchflow-spawne');
    process.kill(spawnerPid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Still a working shell.
    expect((await t.execute('echo still here')).stdout).toBe('still here\n');
    const next = await spawn();
    const nextShell = Number((await next.execute('echo $$')).stdout.trim());
    expect(parentOf(nextShell)).not.toBe(spawnerPid);
    expect(comm(parentOf(nextShell))).toBe('orchflow-spawne');
    // Its exit status went with the spawner; that it ended is still known.
    execFileSync('kill', ['-KILL', String(shell)]);
    expect(await t.exited).toEqual({ exitCode: null, signal: null, reason: 'spawner-lost' });
  });
});
