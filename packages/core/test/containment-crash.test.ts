// After a crash: an orchestrator process is SIGKILLed while a later terminal runs a `nohup` job.
// Its earlier terminals must end with it (before fd hygiene, the nohup job held their PTY masters
// and kept them alive), and the next orchestrator start reaps what is left — the job, the
// terminals' cgroups, their shell-integration dirs — and logs it. The children run in a cgroup
// and a temp dir of their own, so that orchestrators other tests start meanwhile (which reap
// leftovers of dead orchflow processes too) cannot get there first.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostContainment } from '@orchflow/terminal';
import { afterAll, expect, it } from 'vitest';
import { alive, waitFor } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const host = hostContainment();
const testCgroups = host.cgroupParents.map((parent) =>
  join(parent, `orchflow-test-${process.pid}-${Date.now()}`),
);
const tmp = mkdtempSync(join(tmpdir(), 'orchflow-crash-'));
// Sleeper durations the tests start; a failed test must not leave them running.
const durations: string[] = [];

afterAll(async () => {
  for (const pid of durations.flatMap(sleepers)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  for (const dir of testCgroups) {
    await waitFor(() => {
      try {
        rmdirSync(dir);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ENOENT';
      }
    }, `removal of ${dir}`);
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs containment-child.ts in the test's cgroups and temp dir; resolves with the child. */
function child(args: string[]) {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  // The shell joins the test's cgroups, then execs node (same pid).
  const enter =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1/cgroup.procs" || exit 1; shift; n=$((n-1)); done; exec "$@"';
  const argv = [process.execPath, '--import', tsx, `${here}/containment-child.ts`, ...args];
  return spawn('/bin/sh', ['-c', enter, 'sh', String(testCgroups.length), ...testCgroups, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
  });
}

function firstLine(proc: ChildProcessByStdio<null, Readable, Readable | null>): Promise<string> {
  const lines = createInterface({ input: proc.stdout });
  return Promise.race([
    once(lines, 'line').then(([line]) => {
      lines.close();
      return line as string;
    }),
    once(proc, 'exit').then(([code]) => Promise.reject(new Error(`child exited with ${code}`))),
  ]);
}

/** Pids of live processes whose argv is exactly `sleep <duration>`. */
function sleepers(duration: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8') === `sleep\0${duration}\0`;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

/** The terminal cgroups under the test's cgroups. */
function terminalCgroups(): string[] {
  return testCgroups.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.startsWith('orchflow-'))
      .map((name) => join(dir, name)),
  );
}

it.runIf(host.kind === 'cgroup')(
  'a SIGKILLed orchestrator leaves no terminal running, and the next start reaps its nohup job, cgroups and dirs',
  async () => {
    for (const dir of testCgroups) mkdirSync(dir);
    const duration = `${4000 + (process.pid % 1000)}.${Date.now() % 100000}`;
    durations.push(duration);
    const crashed = child(['crash', tmp, duration]);
    crashed.stderr.resume();
    const { shells } = JSON.parse(await firstLine(crashed)) as { shells: number[] };
    expect(shells).toHaveLength(3);
    await waitFor(() => sleepers(duration).length === 1, 'the nohup job');
    const [job] = sleepers(duration);
    const cgroups = terminalCgroups();
    // Three terminals, each with a cgroup in every hierarchy it uses (memory only with a cap).
    expect(new Set(cgroups.map((dir) => basename(dir))).size).toBe(3);
    expect(cgroups.length % 3).toBe(0);
    const shellDirs = readdirSync(tmp).filter((name) => name.startsWith('orchflow-sh-'));
    expect(shellDirs).toHaveLength(3);

    crashed.kill('SIGKILL');
    await once(crashed, 'exit');
    // Their PTY masters closed with the orchestrator: every shell got SIGHUP and ended.
    for (const pid of shells) await waitFor(() => !alive(pid), `shell ${pid} to end`);
    // The nohup job legitimately outlives its shell (SIGHUP ignored)…
    expect(alive(job as number)).toBe(true);
    expect(terminalCgroups()).toHaveLength(cgroups.length);

    // …until the next orchestrator starts.
    const next = child(['start']);
    let stderr = '';
    next.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await firstLine(next)).toBe('started');
    await once(next, 'exit');
    expect(alive(job as number)).toBe(false);
    expect(terminalCgroups()).toEqual([]);
    for (const dir of shellDirs) expect(existsSync(join(tmp, dir))).toBe(false);
    expect(stderr).toContain('OrchflowReapWarning');
    for (const cgroup of cgroups) expect(stderr).toContain(cgroup);
    expect(stderr).toContain(String(job));
    for (const dir of shellDirs) expect(stderr).toContain(basename(dir));
  },
  60_000,
);

it('an orchestrator on a host without usable cgroups says so once at start', async () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const proc = spawn(process.execPath, ['--import', tsx, `${here}/containment-child.ts`, 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ORCHFLOW_CONTAINMENT: 'process-tree',
      TMPDIR: tmp,
      TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'),
    },
  });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  expect(await firstLine(proc)).toBe('started');
  await once(proc, 'exit');
  const warnings = stderr.split('\n').filter((line) => line.includes('OrchflowContainmentWarning'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(
    'terminal containment is process-tree only (ORCHFLOW_CONTAINMENT=process-tree)',
  );
});

it.runIf(host.kind === 'cgroup')(
  'an orchestrator process that exits without shutdown() takes its terminals along',
  async () => {
    const duration = `${4000 + (process.pid % 1000)}.${(Date.now() % 100000) + 1}`;
    durations.push(duration);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const proc = spawn(
      process.execPath,
      ['--import', tsx, `${here}/containment-child.ts`, 'exit', tmp, duration],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, TMPDIR: tmp, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json') },
      },
    );
    expect(await firstLine(proc)).toBe('started');
    await once(proc, 'exit');
    await waitFor(() => sleepers(duration).length === 0, 'the setsid job to be killed');
  },
);
