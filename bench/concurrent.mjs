// Benchmark: 1000 concurrent terminals, each running one `echo` — wall time from the first spawn
// until every echo has returned (all terminals stay alive), and the orchestrating process's RSS.
// Each measurement runs in its own child process (`node concurrent.mjs --mode raw|orchflow`) so
// its RSS is attributable; the parent alternates the sides (A B, B A, A B) and collects their JSON.
// Three sides: raw node-pty, `@orchflow/terminal` (`Terminal.spawn`) and `@orchflow/core`
// (`Orchestrator.spawnTerminal`: registry, quotas, events, metrics on top of the terminal); all
// keep the same number of spawn+echo sequences in flight. A kill-all phase follows (orchflow:
// `kill()` of all 1000 at once; raw: SIGKILL each pty), timed with the peak RSS it reaches; it is
// reported but has no goal of its own. `--quick` still opens 1000 terminals, with one run per side.
// Beside wall time each side reports the CPU it took per terminal in the orchestrating process and
// in the terminals' own processes (their shells, and whatever ran before the shell in them): with
// 50 spawns in flight on a few cores, wall time is mostly the sum of the two.
// Goals: wall time ≤ 1.3× the baseline; orchestrating-process peak RSS ≤ 120 MB (both orchflow sides).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { childPids, commOf, taskCpuMs } from './lib/proc.mjs';
import { arg, printTable, quick, RssSampler, round, summarize, writeResults } from './lib/stats.mjs';

const COUNT = Number(arg('count', 1000));
const IN_FLIGHT = Number(arg('in-flight', 50));
const RUNS = Number(arg('runs', quick ? 1 : 3));
const GOAL_RATIO = 1.3;
const MODES = ['raw', 'orchflow', 'orchestrator'];
const GOAL_RSS_MB = 120;

/** Peak RSS of this process as the kernel counted it (VmHWM), in bytes. */
function kernelPeakRss() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

// Each child loads only its own side's code, so the other side's modules don't count in its RSS.
const sides = {
  raw: {
    async open() {
      const { RawBash } = await import('./lib/raw-bash.mjs');
      const shell = await RawBash.spawn();
      if ((await shell.run('echo hello')) !== 0) throw new Error('raw: echo failed');
      return shell;
    },
  },
  orchflow: {
    async open() {
      const { Terminal } = await import('@orchflow/terminal');
      const terminal = await Terminal.spawn({ shell: 'bash', spawnTimeoutMs: 120_000 });
      const result = await terminal.execute('echo hello');
      if (result.stdout.trim() !== 'hello') throw new Error(`orchflow: echo printed ${result.stdout}`);
      return terminal;
    },
  },
  orchestrator: {
    async open() {
      // One orchestrator for all terminals: made once, by the first spawn (the others, in flight
      // at the same time, wait for it rather than each making one of their own).
      sides.orchestrator.orch ??= makeOrchestrator();
      const orch = await sides.orchestrator.orch;
      const handle = await orch.spawnTerminal('bench', { shell: 'bash' });
      const result = await handle.execute('echo hello');
      if (result.stdout.trim() !== 'hello') throw new Error(`orchestrator: echo printed ${result.stdout}`);
      return handle;
    },
  },
};

/** The orchestrator of the `orchestrator` side, with the Terminal side's spawn timeout. */
async function makeOrchestrator() {
  const { Orchestrator } = await import('@orchflow/core');
  // The same spawn timeout as the Terminal side: under load 1000 shells start slowly.
  return Orchestrator.builder()
    .withMaxTerminals(COUNT)
    .withBackend(new (await directBackend())({ spawnTimeoutMs: 120_000 }))
    .build();
}

/** `DirectBackend` from the `@orchflow/mux` that `@orchflow/core` depends on (not a bench dependency). */
async function directBackend() {
  const core = createRequire(createRequire(import.meta.url).resolve('@orchflow/core/package.json'));
  const mux = join(dirname(core.resolve('@orchflow/mux/package.json')), 'dist', 'index.mjs');
  return (await import(pathToFileURL(mux).href)).DirectBackend;
}

/**
 * CPU ms the terminals' (single-threaded) processes have used — this process's live children, or
 * those of orchflow's spawner, which forks them — and the spawner's own: work done for orchflow,
 * counted with this process's.
 */
function childrenCpuMs() {
  let shells = 0;
  let spawner = 0;
  // A process that exited meanwhile counts as nothing.
  for (const pid of childPids()) {
    if (commOf(pid) !== 'orchflow-spawne') shells += taskCpuMs(pid) || 0;
    else {
      spawner += taskCpuMs(pid) || 0;
      for (const shell of childPids(pid)) shells += taskCpuMs(shell) || 0;
    }
  }
  return { shells, spawner };
}

/** Child: opens COUNT terminals of one side and prints its measurements as JSON. */
async function measure(mode) {
  const side = sides[mode];
  const rss = new RssSampler();
  const latencies = [];
  const open = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < COUNT) {
      next++;
      const start = performance.now();
      open.push(await side.open());
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, COUNT) }, worker));
  const wallMs = performance.now() - t0;
  const memory = rss.stop();
  const kernelPeak = kernelPeakRss();
  const { user, system } = process.cpuUsage(cpu0);
  const { shells, spawner } = childrenCpuMs();
  const cpuMs = { orchestrator: (user + system) / 1000 + spawner, shells };
  const t1 = performance.now();
  await Promise.all(open.map((terminal) => terminal.kill()));
  const teardownMs = performance.now() - t1;
  const teardownPeakRss = kernelPeakRss();
  const result = { mode, wallMs, cpuMs, teardownMs, latency: summarize(latencies), ...memory };
  process.stdout.write(`${JSON.stringify({ ...result, kernelPeakRss: kernelPeak, teardownPeakRss })}\n`);
  await (await sides.orchestrator.orch)?.shutdown();
}

/** Parent: runs the children alternately and reports. */
async function compare() {
  const script = fileURLToPath(import.meta.url);
  const child = (mode) =>
    new Promise((resolve, reject) => {
      const args = [script, '--mode', mode, '--count', `${COUNT}`, '--in-flight', `${IN_FLIGHT}`];
      const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (data) => {
        out += data;
      });
      proc.on('exit', (code) => {
        if (code !== 0) reject(new Error(`${mode} child exited ${code}`));
        else resolve(JSON.parse(out.trim().split('\n').pop()));
      });
    });
  const runs = { raw: [], orchflow: [], orchestrator: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
      const run = await child(mode);
      runs[mode].push(run);
      console.log(
        `${mode}: ${round(run.wallMs, 0)} ms wall, CPU ${round(run.cpuMs.orchestrator, 0)} ms here + ${round(run.cpuMs.shells, 0)} ms in its shells, peak RSS ${round(run.kernelPeakRss / 1e6, 1)} MB (with teardown ${round(run.teardownPeakRss / 1e6, 1)} MB), teardown ${round(run.teardownMs, 0)} ms`,
      );
    }
  }
  const wall = (list) => summarize(list.map((r) => r.wallMs));
  const peakMB = (list) => summarize(list.map((r) => r.kernelPeakRss / 1e6));
  const teardown = (list) => summarize(list.map((r) => r.teardownMs));
  const teardownPeakMB = (list) => summarize(list.map((r) => r.teardownPeakRss / 1e6));
  // CPU per terminal, split where it is spent: orchflow adds to both sides of the fork.
  const cpuHere = (list) => summarize(list.map((r) => r.cpuMs.orchestrator / COUNT));
  const cpuShells = (list) => summarize(list.map((r) => r.cpuMs.shells / COUNT));
  const side = (list) => ({
    wallMs: wall(list),
    cpuMsPerTerminal: { orchestrator: cpuHere(list), shells: cpuShells(list) },
    peakRssMB: peakMB(list),
    teardownMs: teardown(list),
    peakRssWithTeardownMB: teardownPeakMB(list),
  });
  const base = side(runs.raw);
  const orch = side(runs.orchflow);
  const core = side(runs.orchestrator);
  const ratio = orch.wallMs.p50 / base.wallMs.p50;
  const coreRatio = core.wallMs.p50 / base.wallMs.p50;
  const pass = {
    wall: ratio <= GOAL_RATIO,
    rss: orch.peakRssMB.max <= GOAL_RSS_MB,
    orchestratorWall: coreRatio <= GOAL_RATIO,
    orchestratorRss: core.peakRssMB.max <= GOAL_RSS_MB,
  };
  const cpuCell = (stat) =>
    `${round(stat.cpuMsPerTerminal.orchestrator.p50, 1)} + ${round(stat.cpuMsPerTerminal.shells.p50, 1)}`;
  const latencyRow = (list) =>
    list.map((r) => `${round(r.latency.p50, 1)}/${round(r.latency.p95, 1)}`).join(', ');
  printTable(`${COUNT} concurrent terminals, one echo each (${IN_FLIGHT} in flight, ${RUNS} runs per side)`, [
    [
      'side',
      'wall p50 (ms)',
      'wall max (ms)',
      'per-terminal p50/p95 (ms)',
      'CPU/terminal here + shells (ms)',
      'peak RSS max (MB)',
      'kill-all p50 (ms)',
      'peak RSS with kill-all (MB)',
    ],
    [
      'raw node-pty',
      round(base.wallMs.p50, 0),
      round(base.wallMs.max, 0),
      latencyRow(runs.raw),
      cpuCell(base),
      round(base.peakRssMB.max, 1),
      round(base.teardownMs.p50, 0),
      round(base.peakRssWithTeardownMB.max, 1),
    ],
    ...[
      ['orchflow Terminal', orch, runs.orchflow],
      ['orchflow Orchestrator', core, runs.orchestrator],
    ].map(([name, stat, list]) => [
      name,
      round(stat.wallMs.p50, 0),
      round(stat.wallMs.max, 0),
      latencyRow(list),
      cpuCell(stat),
      round(stat.peakRssMB.max, 1),
      round(stat.teardownMs.p50, 0),
      round(stat.peakRssWithTeardownMB.max, 1),
    ]),
    [
      'ratio Terminal / Orchestrator',
      `${round(ratio, 2)}× / ${round(coreRatio, 2)}×`,
      `${round(orch.wallMs.max / base.wallMs.max, 2)}× / ${round(core.wallMs.max / base.wallMs.max, 2)}×`,
      '',
      '',
      '',
      `${round(orch.teardownMs.p50 / base.teardownMs.p50, 1)}× / ${round(core.teardownMs.p50 / base.teardownMs.p50, 1)}×`,
      '',
    ],
  ]);
  const verdict = (ok) => (ok ? 'pass' : 'miss');
  console.log(
    `goal: wall ≤ ${GOAL_RATIO}× → Terminal ${verdict(pass.wall)}, Orchestrator ${verdict(pass.orchestratorWall)}; RSS ≤ ${GOAL_RSS_MB} MB → Terminal ${verdict(pass.rss)}, Orchestrator ${verdict(pass.orchestratorRss)}`,
  );
  writeResults('concurrent', {
    params: { count: COUNT, inFlight: IN_FLIGHT, runs: RUNS, command: 'echo hello' },
    baseline: base,
    orchflow: orch,
    orchestrator: core,
    ratio: {
      wallP50: round(ratio),
      teardownP50: round(orch.teardownMs.p50 / base.teardownMs.p50),
      orchestratorWallP50: round(coreRatio),
      orchestratorTeardownP50: round(core.teardownMs.p50 / base.teardownMs.p50),
    },
    runs: Object.fromEntries(
      Object.entries(runs).map(([side, list]) => [
        side,
        list.map((r) => ({
          wallMs: round(r.wallMs, 0),
          teardownMs: round(r.teardownMs, 0),
          latencyP50Ms: round(r.latency.p50, 1),
          latencyP95Ms: round(r.latency.p95, 1),
          peakRssMB: round(r.kernelPeakRss / 1e6, 1),
          sampledGrowthMB: round(r.growth / 1e6, 1),
          startRssMB: round(r.startRss / 1e6, 1),
          peakRssWithTeardownMB: round(r.teardownPeakRss / 1e6, 1),
        })),
      ]),
    ),
    goal: `wall p50 ratio <= ${GOAL_RATIO}, peak RSS <= ${GOAL_RSS_MB} MB`,
    pass,
  });
}

const mode = arg('mode', undefined);
if (mode === undefined) await compare();
else await measure(mode);
