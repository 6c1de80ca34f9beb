// Scripted (pipe) mode: each execute is a fresh `shell -c` with separate stdout/stderr, real
// exit codes and signals, the same limits as interactive mode, and output in the pipeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Terminal } from '../src/terminal';

let dir: string;
let t: Terminal;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-pipe-'));
  t = await Terminal.spawn({ mode: 'scripted', shell: 'sh', cwd: dir, env: { FROM_CONFIG: 'yes' } });
});

afterAll(async () => {
  await t?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('separates stdout and stderr and reports the exit code', async () => {
  const r = await t.execute('echo out; echo err >&2; printf tail; exit 3');
  expect(r).toMatchObject({
    stdout: 'out\ntail',
    stderr: 'err\n',
    exitCode: 3,
    signal: null,
    timedOut: false,
  });
  expect(r.cwd).toBe(dir);
  expect(t.mode).toBe('scripted');
});

test('reports a signal that ended the command, and 128 + its number as the exit code', async () => {
  const r = await t.execute('kill -TERM $$');
  expect(r).toMatchObject({ exitCode: 143, signal: 'SIGTERM' });
});

test('runs in the configured cwd with the agent env; nothing persists between commands', async () => {
  const r = await t.execute('pwd; echo "$PAGER $FROM_CONFIG"; cd /; X=1');
  expect(r.stdout).toBe(`${dir}\ncat yes\n`);
  expect((await t.execute('pwd; echo "x=$X"')).stdout).toBe(`${dir}\nx=\n`);
});

test('output flows into the pipeline for read()', async () => {
  const r = await t.execute('echo to-scrollback; echo also-err >&2');
  const text = t.read({ fromOffset: r.outputOffset }).data;
  expect(text).toContain('to-scrollback\n');
  expect(text).toContain('also-err\n');
});

test("a listener hears all of a command's output before its result", async () => {
  const heard: string[] = [];
  const listening = t.onData((chunk) => heard.push(chunk.data));
  await t.execute('printf before-result');
  listening.dispose();
  expect(heard.join('')).toContain('before-result');
});

test('a timeout interrupts the process group; the next command runs', async () => {
  const r = await t.execute('sleep 30 | cat', { timeoutMs: 300 });
  expect(r).toMatchObject({ timedOut: true, signal: 'SIGINT', exitCode: 130 });
  expect((await t.execute('echo next')).stdout).toBe('next\n');
});

test('idleTimeoutMs is separate from timeoutMs', async () => {
  const ticking = 'for i in 1 2 3 4 5 6 7 8 9 10; do echo tick; sleep 0.2; done; echo finished';
  expect(await t.execute(ticking, { idleTimeoutMs: 1500 })).toMatchObject({ timedOut: false, exitCode: 0 });
  expect(await t.execute('sleep 30', { idleTimeoutMs: 300 })).toMatchObject({ timedOut: true });
});

test('write() feeds the running command; ^D closes its stdin', async () => {
  const r = await t.execute('echo ready; read line; echo "got:$line"; cat; echo eof', {
    timeoutMs: 15_000,
    onOutput: (chunk) => {
      if (chunk.data.includes('ready')) t.write('first\nrest\n\x04');
    },
  });
  expect(r).toMatchObject({ stdout: 'ready\ngot:first\nrest\neof\n', exitCode: 0 });
  expect(() => t.write('nobody reads')).toThrow(/No command is reading input/);
});

test('a background job does not hold the command open', async () => {
  const r = await t.execute('sleep 100 & echo started', { timeoutMs: 10_000 });
  expect(r).toMatchObject({ stdout: 'started\n', timedOut: false, exitCode: 0 });
});

test('maxOutputBytes keeps head and tail of each stream', async () => {
  const r = await t.execute('seq 1 20000; seq 1 5 >&2', { maxOutputBytes: 1000 });
  expect(r.truncated).toBe(true);
  expect(r.stdout.startsWith('1\n2\n')).toBe(true);
  expect(r.stdout.endsWith('19999\n20000\n')).toBe(true);
  expect(r.stderr).toBe('1\n2\n3\n4\n5\n');
});

test('commands queue in order', async () => {
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.execute(`echo ${i}`)));
  expect(results.map((r) => r.stdout)).toEqual(results.map((_, i) => `${i}\n`));
});

test('kill ends a running command and the terminal', async () => {
  const own = await Terminal.spawn({ mode: 'scripted', cwd: dir });
  const running = own.execute('echo started; sleep 100');
  while (!own.read({}).data.includes('started')) await new Promise((resolve) => setTimeout(resolve, 20));
  const info = await own.kill();
  expect(info).toEqual({ exitCode: null, signal: 'SIGHUP' });
  expect(await running).toMatchObject({ signal: 'SIGHUP', exitCode: 129 });
  await expect(own.execute('true')).rejects.toMatchObject({ codeName: 'TerminalExited' });
});
