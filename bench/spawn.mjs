// Benchmark: spawn to first possible execute — orchflow's Terminal.spawn() (resolves at the
// shell's first prompt) against a raw node-pty bash timed until its first prompt marker. Sides
// alternate, swapping order every iteration; each shell is killed (untimed) before the next spawn.
// Goal: orchflow ≤ 1.3× the baseline.
import { Terminal } from '@orchflow/terminal';
import { LINE_EDITING, RawBash } from './lib/raw-bash.mjs';
import { printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const WARMUP = quick ? 3 : 5;
const ITERATIONS = quick ? 15 : 60;
const GOAL_RATIO = 1.3;

async function timeOrchflow() {
  const t0 = performance.now();
  const terminal = await Terminal.spawn({ shell: 'bash', lineEditing: LINE_EDITING });
  const ms = performance.now() - t0;
  await terminal.kill();
  return ms;
}

async function timeRaw() {
  const t0 = performance.now();
  const shell = await RawBash.spawn();
  const ms = performance.now() - t0;
  await shell.kill();
  return ms;
}

const samples = { raw: [], orchflow: [] };
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  const order = i % 2 === 0 ? ['raw', 'orchflow'] : ['orchflow', 'raw'];
  for (const side of order) {
    const ms = side === 'raw' ? await timeRaw() : await timeOrchflow();
    if (i >= WARMUP) samples[side].push(ms);
  }
}

const base = summarize(samples.raw);
const orch = summarize(samples.orchflow);
const ratio = { p50: orch.p50 / base.p50, p95: orch.p95 / base.p95 };
const pass = ratio.p50 <= GOAL_RATIO;
printTable(`spawn to first possible execute (${ITERATIONS} spawns per side, ms)`, [
  ['side', 'p50', 'p95', 'min', 'max'],
  ['raw node-pty', round(base.p50, 2), round(base.p95, 2), round(base.min, 2), round(base.max, 2)],
  ['orchflow', round(orch.p50, 2), round(orch.p95, 2), round(orch.min, 2), round(orch.max, 2)],
  ['ratio', `${round(ratio.p50, 2)}×`, `${round(ratio.p95, 2)}×`, '', ''],
]);
console.log(`goal: p50 ratio ≤ ${GOAL_RATIO}× → ${pass ? 'pass' : 'miss'}`);
writeResults('spawn', {
  params: { warmup: WARMUP, iterations: ITERATIONS, shell: 'bash' },
  unit: 'ms',
  baseline: base,
  orchflow: orch,
  ratio: { p50: round(ratio.p50), p95: round(ratio.p95) },
  goal: `p50 ratio <= ${GOAL_RATIO}`,
  pass,
});
