// Start-up of the `orchflow` CLI (the built bin, `packages/server/dist/cli.mjs`) against the least
// any Node program costs: `node -e 0`. Sides, alternating so machine noise hits them alike: bare
// node, `orchflow --help`, `orchflow exec --server unix:… -- true` (a server started here) and
// `orchflow exec -- true` (an in-process orchestrator). Reports wall time and CPU (the child's user
// + system time, from this process's cutime/cstime) per run, and what each side adds over bare
// node. Writes bench/results/cli-startup.json. Flags: --runs N (default 15); --compare FILE adds
// the `--help` and `exec --server` sides of another build of the CLI (e.g. an older commit's
// dist/cli.mjs, copied next to dist/ so it resolves the same packages).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { arg, printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const RUNS = Number(arg('runs', quick ? 5 : 15));
const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('@orchflow/server/package.json')), 'dist/cli.mjs');
const COMPARE = arg('compare', undefined);
// Linux reports CPU in clock ticks of 1/100 s (USER_HZ) in /proc.
const TICK_MS = 10;

/** CPU ms of this process's finished, waited-for children (cutime + cstime). */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name start at field 3; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** Runs `node ...args` to its end; resolves with its wall and CPU ms. */
function run(args) {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}`));
      else resolve({ wallMs, cpuMs: childrenCpuMs() - cpuBefore });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'orchflow-cli-bench-'));
const socket = join(dir, 's.sock');
const server = spawn(process.execPath, [CLI, 'serve', '--unix', socket, '--log-level', 'silent'], {
  stdio: 'ignore',
});
try {
  // The server is up once a client gets through.
  for (let i = 0; ; i++) {
    const ok = await run([CLI, 'exec', '--server', `unix:${socket}`, '--', 'true']).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 50) throw new Error('the server did not come up');
    await sleep(200);
  }
  const sides = {
    'node -e 0': ['-e', '0'],
    'orchflow --help': [CLI, '--help'],
    'orchflow exec --server': [CLI, 'exec', '--server', `unix:${socket}`, '--', 'true'],
    'orchflow exec (in-process)': [CLI, 'exec', '--', 'true'],
    ...(COMPARE && {
      '--compare --help': [COMPARE, '--help'],
      '--compare exec --server': [COMPARE, 'exec', '--server', `unix:${socket}`, '--', 'true'],
      '--compare exec (in-process)': [COMPARE, 'exec', '--', 'true'],
    }),
  };
  const samples = Object.fromEntries(Object.keys(sides).map((name) => [name, { wall: [], cpu: [] }]));
  // A warm-up of each side (disk cache), then rounds in a rotating order.
  for (const args of Object.values(sides)) await run(args);
  const names = Object.keys(sides);
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const { wallMs, cpuMs } = await run(sides[name]);
      samples[name].wall.push(wallMs);
      samples[name].cpu.push(cpuMs);
    }
  }
  const base = summarize(samples['node -e 0'].wall).p50;
  const baseCpu = summarize(samples['node -e 0'].cpu).p50;
  const rows = [['side', 'wall p50 ms', 'wall p95 ms', 'CPU p50 ms', 'added wall ms', 'added CPU ms']];
  const results = {};
  for (const name of names) {
    const wall = summarize(samples[name].wall);
    const cpu = summarize(samples[name].cpu);
    results[name] = { wall, cpu, addedWallMs: wall.p50 - base, addedCpuMs: cpu.p50 - baseCpu };
    rows.push([
      name,
      round(wall.p50, 1),
      round(wall.p95, 1),
      round(cpu.p50, 0),
      round(wall.p50 - base, 1),
      round(cpu.p50 - baseCpu, 0),
    ]);
  }
  printTable(`CLI start-up, ${RUNS} runs per side`, rows);
  writeResults('cli-startup', { runs: RUNS, compare: COMPARE, results });
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
