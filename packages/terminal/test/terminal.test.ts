// Terminal lifecycle on real PTYs: spawn errors, agent env defaults, resize, streaming, pause,
// kill of the whole process tree, exit and cleanup.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputChunk } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { absolutePathEntries, buildTerminalEnv, FALLBACK_PATH } from '../src/env';
import { readProcStat } from '../src/process/procfs';
import { Terminal } from '../src/terminal';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-term-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

describe('spawn failures reject with SpawnFailed naming the cause', () => {
  test.each([
    ['a missing shell', { shell: 'definitely-not-a-shell-xyz' }, /not found in PATH/],
    ['a shell path that does not exist', { shell: '/nonexistent/bash' }, /does not exist/],
    ['a nonexistent cwd', { cwd: '/nonexistent/dir' }, /'\/nonexistent\/dir' does not exist/],
    ['a shell without integration', { shell: 'true' }, /no shell integration/],
  ])('%s', async (_, config, message) => {
    await expect(Terminal.spawn(config)).rejects.toMatchObject({ codeName: 'SpawnFailed', message });
  });

  test('a cwd that is a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(Terminal.spawn({ cwd: file })).rejects.toMatchObject({
      codeName: 'SpawnFailed',
      message: expect.stringMatching(/is not a directory/),
    });
  });

  test('a shell that exits during startup', async () => {
    await expect(
      Terminal.spawn({ cwd: dir, args: ['-c', 'echo startup-broke; exit 7'] }),
    ).rejects.toMatchObject({
      codeName: 'SpawnFailed',
      message: expect.stringMatching(/exited during startup \(exit code 7\).*startup-broke/),
    });
  });

  test('a shell that never shows a prompt', async () => {
    await expect(
      Terminal.spawn({ cwd: dir, args: ['-c', 'sleep 30'], spawnTimeoutMs: 500 }),
    ).rejects.toMatchObject({
      codeName: 'SpawnFailed',
      message: expect.stringMatching(/first prompt within 500 ms/),
    });
  });

  test('invalid config', async () => {
    await expect(Terminal.spawn({ cols: 0 })).rejects.toMatchObject({ codeName: 'InvalidParams' });
  });
});

describe('a running terminal', () => {
  let t: Terminal;

  beforeAll(async () => {
    t = await Terminal.spawn({ shell: 'bash', cwd: dir, name: 'worker', env: { MY_SETTING: 'on' } });
  });

  afterAll(async () => {
    await t?.kill();
  });

  test('exposes its identity and state', () => {
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t).toMatchObject({ name: 'worker', mode: 'interactive', cols: 80, rows: 24, state: 'running' });
    expect(t.shell).toMatch(/\/bash$/);
    expect(alive(t.pid)).toBe(true);
    expect(t.exitInfo).toBeUndefined();
  });

  test('has agent-friendly environment defaults', async () => {
    const r = await t.execute(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      'echo "$PAGER|$GIT_PAGER|$EDITOR|$VISUAL|$TERM|${HISTFILE-unset}|$MY_SETTING|${LANG:-$LC_ALL}"',
    );
    expect(r.stdout).toMatch(/^cat\|cat\|true\|true\|xterm-256color\|unset\|on\|.+\n$/);
    // The key lives in an unexported variable: programs do not see it.
    expect((await t.execute('env | grep -c __orchflow || true')).stdout).toBe('0\n');
  });

  test('config.env overrides the defaults', async () => {
    const own = await Terminal.spawn({ shell: 'bash', cwd: dir, env: { PAGER: 'less', TERM: 'xterm' } });
    try {
      expect((await own.execute('echo "$PAGER $TERM"')).stdout).toBe('less xterm\n');
    } finally {
      await own.kill();
    }
  });

  test("an inherited PATH's relative and empty entries and CDPATH are dropped: a name never resolves elsewhere", async () => {
    expect(absolutePathEntries('./node_modules/.bin:/usr/bin::/bin:')).toBe('/usr/bin:/bin');
    expect(absolutePathEntries('/proc/self/cwd:/proc:~/bin:/bin', '/home/a')).toBe('/home/a/bin:/bin');
    expect(absolutePathEntries('~/bin:/bin')).toBe('/bin');
    expect(absolutePathEntries('.:bin:')).toBe(FALLBACK_PATH);
    expect(absolutePathEntries(undefined)).toBe(FALLBACK_PATH);
    expect(buildTerminalEnv({}, { HOME: '/h' }).PATH).toBe(FALLBACK_PATH);
    // Nor does an inherited CDPATH send `cd` elsewhere than the policy judged.
    expect(buildTerminalEnv({}, { CDPATH: '/etc', PATH: '/bin' }).CDPATH).toBeUndefined();
    // A repository the agent cd's into ships its own `ls`; `pnpm exec` puts ./node_modules/.bin first.
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(repo, 'node_modules', '.bin', 'ls'), '#!/bin/sh\necho hijacked\n', { mode: 0o755 });
    writeFileSync(join(repo, 'ls'), '#!/bin/sh\necho hijacked\n', { mode: 0o755 });
    const inherited = process.env.PATH;
    process.env.PATH = `./node_modules/.bin::${inherited}`;
    process.env.CDPATH = '/usr';
    let spawned: Terminal | undefined;
    try {
      spawned = await Terminal.spawn({ shell: 'bash', cwd: repo });
    } finally {
      process.env.PATH = inherited;
      delete process.env.CDPATH;
    }
    try {
      const r = await spawned.execute('ls -1; echo "$PATH"');
      expect(r.stdout).not.toContain('hijacked');
      expect(r.stdout).toMatch(/^ls\nnode_modules\n\//);
      expect(r.stdout).not.toMatch(/(^|:)(\.[^:]*|)(:|\n)/m);
      // `cd lib` means ./lib (there is none), not /usr/lib through the inherited CDPATH.
      expect((await spawned.execute('cd lib 2>/dev/null; pwd')).stdout).toBe(`${repo}\n`);
    } finally {
      await spawned.kill();
    }
  });

  test('resize changes what programs see', async () => {
    expect((await t.execute('tput cols; tput lines')).stdout).toBe('80\n24\n');
    t.resize(120, 40);
    expect(t).toMatchObject({ cols: 120, rows: 40 });
    expect((await t.execute('tput cols; tput lines; stty size')).stdout).toBe('120\n40\n40 120\n');
    expect(() => t.resize(0, 10)).toThrow(/1\.\.1000/);
  });

  test('streams output to onData with offsets, never showing markers', async () => {
    const chunks: OutputChunk[] = [];
    const sub = t.onData((c) => chunks.push(c));
    const r = await t.execute('echo streamed-text');
    // Batching delivers within 16 ms; wait for the output, not for a fixed time.
    while (
      !chunks
        .map((c) => c.data)
        .join('')
        .includes('streamed-text\r\n')
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    sub.dispose();
    const text = chunks.map((c) => c.data).join('');
    expect(text).not.toContain('\x1b]633;');
    expect(t.read({ fromOffset: r.outputOffset }).data.startsWith('streamed-text\r\n')).toBe(true);
  });

  test('snapshot shows the screen', async () => {
    await t.execute('clear; echo on-screen');
    const snap = await t.snapshot();
    expect(snap.lines.some((l) => l.includes('on-screen'))).toBe(true);
    expect(snap.cols).toBe(120);
  });

  test('pause stops output until resume', async () => {
    t.pause();
    expect(t.state).toBe('paused');
    const before = t.read({}).endOffset;
    const pending = t.execute('echo while-paused');
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(t.read({}).endOffset).toBe(before);
    t.resume();
    expect((await pending).stdout).toBe('while-paused\n');
    expect(t.state).toBe('running');
  });

  test('metrics count the tree', async () => {
    const m = await t.metrics();
    expect(m.processCount).toBeGreaterThanOrEqual(1);
    expect(m.rssBytes).toBeGreaterThan(0);
  });
});

describe('kill', () => {
  test('kills the whole process tree, background and double-forked processes included', async () => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    const exits: unknown[] = [];
    t.onExit((info) => exits.push(info));
    const r = await t.execute(
      'sleep 100 & echo $! > pids; (sleep 200 & echo $! >> pids); nohup sleep 300 >/dev/null 2>&1 & echo $! >> pids',
    );
    expect(r.exitCode).toBe(0);
    const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    for (const pid of [t.pid, ...pids]) expect(alive(pid)).toBe(true);
    const info = await t.kill();
    expect(info.signal ?? info.exitCode).toBeTruthy();
    for (const pid of [t.pid, ...pids]) expect(alive(pid)).toBe(false);
    expect(t.state).toBe('exited');
    expect(exits).toEqual([info]);
    await expect(t.execute('true')).rejects.toMatchObject({ codeName: 'TerminalExited' });
    expect(() => t.write('x')).toThrow(/exited/);
    expect(await t.kill()).toEqual(info);
  });

  test('onExit: each listener once in order, none after dispose, a throw stops no other, late ones still hear', async () => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    const heard: string[] = [];
    const thrown: unknown[] = [];
    const onThrow = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onThrow);
    try {
      t.onExit(() => heard.push('first'));
      const dropped = t.onExit(() => heard.push('dropped'));
      t.onExit(() => {
        heard.push('throws');
        throw new Error('listener failed');
      });
      t.onExit(() => heard.push('last'));
      const twice = () => heard.push('twice');
      t.onExit(twice);
      t.onExit(twice);
      dropped.dispose();
      const info = await t.kill();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(heard).toEqual(['first', 'throws', 'last', 'twice', 'twice']);
      expect(thrown).toEqual([new Error('listener failed')]);
      const late = await new Promise((resolve) => t.onExit(resolve));
      expect(late).toEqual(info);
    } finally {
      process.off('uncaughtException', onThrow);
    }
  });

  test('a command in flight resolves with shellExited when the terminal is killed; queued ones reject', async () => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    const running = t.execute('echo started; sleep 100');
    const queued = t.execute('echo never');
    while (!t.read({}).data.includes('started')) await new Promise((resolve) => setTimeout(resolve, 20));
    await t.kill();
    expect(await running).toMatchObject({ shellExited: true, exitCode: null, stdout: 'started\n' });
    await expect(queued).rejects.toMatchObject({ codeName: 'TerminalExited' });
  });

  test('a natural exit leaves no background processes and removes the private directory', async () => {
    const t = await Terminal.spawn({ shell: 'bash', cwd: dir });
    const r = await t.execute('sleep 100 & echo $!');
    const bg = Number(r.stdout.match(/^(\d+)$/m)?.[1]);
    expect(alive(bg)).toBe(true);
    const rc = (await t.execute('echo $BASH_ARGV0; ps -ww -o args= -p $$')).stdout;
    const rcfile = rc.match(/--rcfile (\S+)/)?.[1] ?? '';
    expect(existsSync(rcfile)).toBe(true);
    await t.execute('exit 0');
    await t.exited;
    expect(alive(bg)).toBe(false);
    expect(existsSync(rcfile)).toBe(false);
  });
});
