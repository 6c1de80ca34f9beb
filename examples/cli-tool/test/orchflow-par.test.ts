// orchflow-par driven for real: real shells in real PTYs, an embedded orchestrator, a sidecar and
// a WebSocket server. Each test asserts what a user relies on: the live prefixed lines, the
// summary, the exit status, that --timeout and Ctrl-C really interrupt, and clear usage errors.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Orchestrator } from '@orchflow/core';
import { TokenAuthenticator, TokenPolicySchema, WebSocketServer } from '@orchflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../src/jobs';
import { createStyle, LinePrefixer } from '../src/output';
import { formatSummary } from '../src/summary';
import { killSpawned, runMain, spawnBin } from './helpers';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'orchflow-par-test-'));
  for (const dir of ['alpha', 'beta', 'gamma', '.hidden'])
    mkdirSync(join(root, 'pkgs', dir), { recursive: true });
  writeFileSync(join(root, 'pkgs', 'not-a-dir.txt'), 'x');
  writeFileSync(join(root, 'pkgs', 'beta', 'broken'), '');
});
afterAll(() => {
  // Executables a failed test left running (not per test: tests of a block run concurrently).
  killSpawned();
  rmSync(root, { recursive: true, force: true });
});

/** The summary row of `label`: [label, status, exit, time]. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `) && !l.includes('|'));
  if (!line) throw new Error(`no summary row for ${label} in:\n${stdout}`);
  return line.trim().split(/\s+/);
}

describe.concurrent('orchflow-par (the executable)', () => {
  it('runs N copies, prefixes live output, prints the summary and exits 1 naming the failures', async () => {
    const run = spawnBin(['-n', '3', '--', 'echo "hello $PAR_INDEX"; exit $((PAR_INDEX - 1))'], root);
    expect(await run.exit).toBe(1);
    const out = run.output();
    for (const i of [1, 2, 3]) expect(out).toContain(`#${i} | hello ${i}\n`);
    expect(row(out, '#1').slice(1, 3)).toEqual(['ok', '0']);
    expect(row(out, '#2').slice(1, 3)).toEqual(['failed', '1']);
    expect(row(out, '#3').slice(1, 3)).toEqual(['failed', '2']);
    expect(out).toContain('2 of 3 jobs did not pass: #2 (exit 1), #3 (exit 2)');
    expect(out).not.toContain('\x1b['); // piped, so plain text
  });

  it.each([
    ['embedded', 'ctrl-c-embedded', []],
    ['with --stdio', 'ctrl-c-stdio', ['--stdio']],
  ])(
    'Ctrl-C (%s) interrupts every running job (their SIGINT handlers run), skips queued ones, exits 130',
    async (_, name, flags) => {
      const dirs = join(root, name);
      for (const dir of ['alpha', 'beta', 'gamma']) mkdirSync(join(dirs, dir), { recursive: true });
      // A job that prints "started", then waits; on SIGINT it records it was interrupted and exits 9.
      const job = `node -e "process.on('SIGINT', () => { require('fs').writeFileSync('interrupted', 'yes'); process.exit(9); }); console.log('started'); setInterval(() => {}, 1000)"`;
      const run = spawnBin([...flags, '--each', `${name}/*`, '--max-parallel', '2', '--', job], root);
      await run.waitFor(/^alpha +\| started$/m);
      await run.waitFor(/^beta +\| started$/m);
      run.ctrlC();
      expect(await run.exit).toBe(130);
      const out = run.output();
      expect(row(out, 'alpha').slice(1, 3)).toEqual(['aborted', '9']);
      expect(row(out, 'beta').slice(1, 3)).toEqual(['aborted', '9']);
      expect(row(out, 'gamma')[1]).toBe('aborted');
      expect(out).toContain('gamma (not started)');
      expect(readFileSync(join(dirs, 'alpha', 'interrupted'), 'utf8')).toBe('yes');
      expect(readFileSync(join(dirs, 'beta', 'interrupted'), 'utf8')).toBe('yes');
      expect(existsSync(join(dirs, 'gamma', 'interrupted'))).toBe(false);
    },
  );
});

describe('orchflow-par (embedded, through main)', () => {
  it('exits 0 when every job passes', async () => {
    const run = await runMain(['-n', '2', '--', 'echo "ok $PAR_INDEX"'], root);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('#1 | ok 1\n');
    expect(run.stdout).toContain('#2 | ok 2\n');
    expect(run.stdout).toContain('all 2 jobs passed');
  });

  it('--each runs once per matching directory (not files, not hidden) in that directory', async () => {
    const run = await runMain(
      ['--each', 'pkgs/*', '--', 'echo "in $(basename "$PWD")"; test ! -e broken'],
      root,
    );
    expect(run.code).toBe(1);
    for (const dir of ['alpha', 'beta', 'gamma'])
      expect(run.stdout).toMatch(new RegExp(`^${dir} +\\| in ${dir}$`, 'm'));
    expect(run.stdout).not.toMatch(/hidden|not-a-dir/);
    expect(row(run.stdout, 'alpha')[1]).toBe('ok');
    expect(row(run.stdout, 'beta').slice(1, 3)).toEqual(['failed', '1']);
    expect(run.stdout).toContain('1 of 3 jobs did not pass: beta (exit 1)');

    // An unquoted pattern the shell expanded: the extra words before `--` are directories too.
    const expanded = await runMain(['--each', 'pkgs/alpha', 'pkgs/gamma', '--', 'basename "$PWD"'], root);
    expect(expanded.code).toBe(0);
    expect(expanded.stdout).toMatch(/^alpha +\| alpha$/m);
    expect(expanded.stdout).toMatch(/^gamma +\| gamma$/m);
    expect(expanded.stdout).toContain('all 2 jobs passed');
  });

  it('runs jobs at the same time up to --max-parallel, and one by one with -p 1', async () => {
    // A barrier: each job announces itself, then waits until all three have — only possible in parallel.
    const barrier = join(root, 'barrier');
    mkdirSync(barrier);
    const wait = `touch ${barrier}/$PAR_INDEX; for i in $(seq 200); do [ $(ls ${barrier} | wc -l) -ge 3 ] && exit 0; sleep 0.1; done; exit 1`;
    const parallel = await runMain(['-n', '3', '-p', '3', '--', wait], root);
    expect(parallel.code).toBe(0);

    const serial = await runMain(
      ['-n', '3', '-p', '1', '--', 'echo "start $PAR_INDEX"; sleep 0.2; echo "end $PAR_INDEX"'],
      root,
    );
    expect(serial.code).toBe(0);
    const order = serial.stdout.split('\n').filter((l) => l.includes(' | '));
    expect(order).toEqual([
      '#1 | start 1',
      '#1 | end 1',
      '#2 | start 2',
      '#2 | end 2',
      '#3 | start 3',
      '#3 | end 3',
    ]);
  });

  it('--timeout interrupts a job that runs too long and reports it', async () => {
    const started = performance.now();
    const run = await runMain(
      ['-n', '1', '--timeout', '500ms', '--', 'echo before; sleep 30; echo after'],
      root,
    );
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('#1 | before\n');
    expect(run.stdout).not.toContain('after');
    expect(row(run.stdout, '#1')[1]).toBe('timeout');
    expect(run.stdout).toContain('#1 (timed out)');
  });

  it('an abort signal interrupts running jobs and exits 130', async () => {
    const ready = join(root, 'ready');
    mkdirSync(ready);
    const controller = new AbortController();
    const running = runMain(
      ['-n', '2', '--', `touch ${ready}/$PAR_INDEX; sleep 30`],
      root,
      controller.signal,
    );
    await waitUntil(() => existsSync(join(ready, '1')) && existsSync(join(ready, '2')));
    const aborted = performance.now();
    controller.abort();
    const run = await running;
    expect(performance.now() - aborted).toBeLessThan(15_000);
    expect(run.code).toBe(130);
    expect(row(run.stdout, '#1')[1]).toBe('aborted');
    expect(row(run.stdout, '#2')[1]).toBe('aborted');
  });

  it('rejects bad command lines with a clear message and exit status 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--', 'true'], /say where to run: -n N or --each PATTERN/],
      [['-n', '2'], /no command: write it after '--'/],
      [['-n', 'two', '--', 'true'], /--jobs 'two' must be a whole number/],
      [['-n', '0', '--', 'true'], /--jobs '0' must be a whole number from 1/],
      [['-n', '1', '--each', 'pkgs/*', '--', 'true'], /either -n\/--jobs or --each/],
      [['-n', '1', '--timeout', 'soon', '--', 'true'], /--timeout 'soon' is not a duration/],
      [['-n', '1', '--frobnicate', '--', 'true'], /Unknown option '--frobnicate'/],
      [['--each', 'nothing-here/*', '--', 'true'], /matches no directory/],
      [['-n', '1', '--connect', 'http://x', '--', 'true'], /is not a WebSocket URL/],
      [['-n', '1', '--connect', 'ws://x', '--stdio', '--', 'true'], /either --connect or --stdio/],
      [['-n', '1', 'echo', 'hi'], /unexpected 'echo' before '--'/],
    ];
    for (const [argv, message] of cases) {
      const run = await runMain(argv, root);
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Usage:');
    }
  });
});

describe.concurrent('orchflow-par against servers', () => {
  it('--connect runs the jobs on a WebSocket server with a token; a wrong token fails clearly', async () => {
    const token = 'orchflow-par-test-token-0123456789';
    const orchestrator = Orchestrator.builder().build();
    const server = new WebSocketServer({ orchestrator, auth: TokenAuthenticator.single(token) });
    const { url } = await server.start();
    try {
      const run = await runMain(
        ['--connect', url, '--token', token, '-n', '2', '--', 'echo "served $PAR_INDEX"'],
        root,
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`on ${url}`);
      expect(run.stdout).toContain('#2 | served 2\n');
      const denied = await runMain(
        ['--connect', url, '--token', 'wrong-token-0123456789', '-n', '1', '--', 'true'],
        root,
      );
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/cannot start: .*token/i);
    } finally {
      await server.stop();
      await orchestrator.shutdown();
    }
  });

  it('-n runs on a server under the standard policy (what `orchflow serve --ws` enforces by default)', async () => {
    // The preset by name, as a tokens file or `--policy standard` names it: the same object as
    // SecurityPresets.standard, without making @orchflow/security a dependency of this example.
    const policy = TokenPolicySchema.parse('standard');
    const token = 'orchflow-par-standard-token-0123456789';
    const orchestrator = Orchestrator.builder().withSecurityPolicy(policy).build();
    const server = new WebSocketServer({ orchestrator, auth: TokenAuthenticator.single(token) });
    const { url } = await server.start();
    try {
      const run = await runMain(
        ['--connect', url, '--token', token, '-n', '3', '--', 'echo "standard $PAR_INDEX"'],
        root,
      );
      // The summary first: when the server refuses the jobs, its last line says why.
      expect(run.stdout).toContain('all 3 jobs passed');
      for (const i of [1, 2, 3]) expect(run.stdout).toContain(`#${i} | standard ${i}\n`);
      expect(run.code).toBe(0);
    } finally {
      await server.stop();
      await orchestrator.shutdown();
    }
  });

  it('--stdio spawns orchflow serve --stdio and runs the jobs there', async () => {
    const run = await runMain(['--stdio', '-n', '2', '--', 'echo "sidecar $PAR_INDEX"; exit 3'], root);
    expect(run.stderr).toContain('orchflow serve --stdio');
    expect(run.stdout).toContain('#1 | sidecar 1\n');
    expect(row(run.stdout, '#2').slice(1, 3)).toEqual(['failed', '3']);
    expect(run.code).toBe(1);
  });
});

describe('summary', () => {
  const result = (label: string, status: JobResult['status'], reason?: string): JobResult => ({
    job: { label, command: 'true' },
    status,
    exitCode: status === 'failed' ? 1 : null,
    signal: null,
    durationMs: 5,
    reason,
  });

  it('shows an error repeated by several jobs once, keeping a status row per job', () => {
    const refused = 'Environment variable X may not be set when spawning a terminal';
    const results = [
      result('#1', 'error', refused),
      result('#2', 'failed'),
      result('#3', 'error', refused),
      result('#4', 'error', 'connection lost'),
      ...['#5', '#6', '#7'].map((label) => result(label, 'error', refused)),
    ];
    const summary = formatSummary(results, createStyle(false));
    expect(summary.split(refused)).toHaveLength(2);
    for (const label of ['#1', '#2', '#3', '#4', '#5', '#6', '#7']) expect(row(summary, label)).toBeDefined();
    expect(summary).toContain(
      `7 of 7 jobs did not pass: #1 (${refused}; same error for #3, #5–#7), #2 (exit 1), #4 (connection lost)`,
    );
  });
});

describe('live output lines', () => {
  it('prefixes complete lines, keeps what a terminal shows after \\r, colors only when asked', () => {
    const lines: string[] = [];
    const plain = new LinePrefixer('web', 0, 5, createStyle(false), (text) => lines.push(text));
    plain.push('one\r\ntw');
    plain.push('o\r\n\x1b[31mred\x1b[0m\r\n10%\r50%\r100%\r\nno newline');
    plain.flush();
    expect(lines).toEqual([
      'web   | one\n',
      'web   | two\n',
      'web   | red\n',
      'web   | 100%\n',
      'web   | no newline\n',
    ]);

    const colored: string[] = [];
    const tty = new LinePrefixer('web', 0, 3, createStyle(true), (text) => colored.push(text));
    tty.push('\x1b[31mred\r\n');
    expect(colored).toEqual(['\x1b[36mweb |\x1b[0m \x1b[31mred\x1b[0m\n']);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
