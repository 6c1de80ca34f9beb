// Benchmark: TmuxBackend against DirectBackend in one run. (1) execute('true') round trip on a
// warm terminal, the two sides alternating; (2) throughput of 64 MiB printed through one tmux
// pane vs one direct PTY, timed from typing the line until execute() settled (all output in the
// pipeline); (3) idle CPU of 100 tmux terminals over 10 s: this process plus the tmux server and
// its control-mode client, from /proc. Goals: p50 ≤ 2× direct, throughput ≥ 0.5× direct, idle
// CPU near zero.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DirectBackend, TmuxBackend } from '../packages/mux/dist/index.mjs';
import { arg, printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const ITERATIONS = Number(arg('iterations', quick ? 100 : 500));
const WARMUP = 30;
const BYTES = Number(arg('bytes', quick ? 16 * 2 ** 20 : 64 * 2 ** 20));
const IDLE_TERMINALS = Number(arg('terminals', quick ? 20 : 100));
const IDLE_MS = Number(arg('idle-ms', 10_000));
const socketName = `orchflow-bench-${process.pid}`;
const TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function roundTrip(direct, tmux) {
  const samples = { direct: [], tmux: [] };
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const side of i % 2 === 0 ? ['direct', 'tmux'] : ['tmux', 'direct']) {
      const session = side === 'direct' ? direct : tmux;
      const t0 = performance.now();
      const result = await session.execute('true');
      const ms = performance.now() - t0;
      if (result.exitCode !== 0) throw new Error(`${side}: true exited ${result.exitCode}`);
      if (i >= WARMUP) samples[side].push(ms);
    }
  }
  return { direct: summarize(samples.direct), tmux: summarize(samples.tmux) };
}

async function throughput(session) {
  const t0 = performance.now();
  const result = await session.execute(`head -c ${BYTES} /dev/zero | tr '\\0' x`, { maxOutputBytes: 1024 });
  const ms = performance.now() - t0;
  if (result.exitCode !== 0) throw new Error(`producer exited ${result.exitCode}`);
  return { ms, mibPerS: BYTES / 2 ** 20 / (ms / 1000) };
}

async function idleCpu() {
  const backend = new TmuxBackend({ socketName: `${socketName}-idle` });
  const sessions = [];
  for (let i = 0; i < IDLE_TERMINALS; i++)
    sessions.push(await backend.createSession({ id: `idle-${i}`, agentId: 'bench' }));
  await Promise.all(sessions.map((s) => s.execute('true')));
  const server = Number(
    spawnSync('tmux', ['-L', `${socketName}-idle`, 'display-message', '-p', '#{pid}'], {
      encoding: 'utf8',
    }).stdout.trim(),
  );
  const shells = sessions.map((s) => s.pid);
  const before = { self: process.cpuUsage(), server: cpuTicks(server), shells: shells.map(cpuTicks) };
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const self = process.cpuUsage(before.self);
  const serverTicks = cpuTicks(server) - before.server;
  const shellTicks = shells.map(cpuTicks).reduce((n, t, i) => n + t - (before.shells[i] ?? 0), 0);
  await backend.dispose();
  const pct = (ms) => (100 * ms) / IDLE_MS;
  return {
    terminals: IDLE_TERMINALS,
    seconds: IDLE_MS / 1000,
    orchestratorPct: pct((self.user + self.system) / 1000),
    tmuxServerPct: pct((serverTicks * 1000) / TICKS),
    shellsPct: pct((shellTicks * 1000) / TICKS),
  };
}

const direct = new DirectBackend();
const tmux = new TmuxBackend({ socketName });
const d = await direct.createSession({ id: 'rt', agentId: 'bench' });
const t = await tmux.createSession({ id: 'rt', agentId: 'bench' });
console.error('round trip…');
const rt = await roundTrip(d, t);
console.error('throughput…');
const tp = { direct: await throughput(d), tmux: await throughput(t) };
await Promise.all([direct.dispose(), tmux.dispose()]);
console.error('idle…');
const idle = await idleCpu();
spawnSync('tmux', ['-L', socketName, 'kill-server']);

const rtRatio = rt.tmux.p50 / rt.direct.p50;
const tpRatio = tp.tmux.mibPerS / tp.direct.mibPerS;
printTable(`execute('true') round trip (${ITERATIONS} iterations, ms)`, [
  ['backend', 'p50', 'p95', 'min', 'max'],
  ['direct', round(rt.direct.p50), round(rt.direct.p95), round(rt.direct.min), round(rt.direct.max)],
  ['tmux', round(rt.tmux.p50), round(rt.tmux.p95), round(rt.tmux.min), round(rt.tmux.max)],
]);
console.log(`goal: tmux p50 ≤ 2× direct → ${round(rtRatio, 2)}× ${rtRatio <= 2 ? 'pass' : 'miss'}`);
printTable(`throughput of ${BYTES / 2 ** 20} MiB through one terminal`, [
  ['backend', 'ms', 'MiB/s'],
  ['direct', round(tp.direct.ms, 0), round(tp.direct.mibPerS, 1)],
  ['tmux', round(tp.tmux.ms, 0), round(tp.tmux.mibPerS, 1)],
]);
console.log(`goal: tmux ≥ 0.5× direct → ${round(tpRatio, 2)}× ${tpRatio >= 0.5 ? 'pass' : 'miss'}`);
printTable(`idle CPU of ${idle.terminals} tmux terminals over ${idle.seconds} s (% of one core)`, [
  ['orchestrator process', 'tmux server', 'shells'],
  [round(idle.orchestratorPct, 2), round(idle.tmuxServerPct, 2), round(idle.shellsPct, 2)],
]);
writeResults('tmux', {
  params: { iterations: ITERATIONS, bytes: BYTES, idleTerminals: IDLE_TERMINALS, idleMs: IDLE_MS },
  roundTrip: rt,
  throughput: tp,
  idle,
  ratios: { roundTripP50: rtRatio, throughput: tpRatio },
});
