// Benchmark: round trip of `true` on a warm terminal — orchflow's execute() against the raw
// node-pty marker round trip (write the line, wait for PROMPT_COMMAND's marker). Both shells stay
// up for the whole run and the two sides alternate, swapping order every iteration.
// Goal: p50 overhead ≤ 0.5 ms.
import { Terminal } from '@orchflow/terminal';
import { LINE_EDITING, RawBash } from './lib/raw-bash.mjs';
import { printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const WARMUP = quick ? 30 : 100;
const ITERATIONS = quick ? 200 : 1000;
const GOAL_MS = 0.5;

async function timeOrchflow(terminal) {
  const t0 = performance.now();
  const result = await terminal.execute('true');
  const ms = performance.now() - t0;
  if (result.exitCode !== 0) throw new Error(`orchflow: true exited ${result.exitCode}`);
  return ms;
}

async function timeRaw(shell) {
  const t0 = performance.now();
  const status = await shell.run('true');
  const ms = performance.now() - t0;
  if (status !== 0) throw new Error(`raw: true exited ${status}`);
  await shell.idle();
  return ms;
}

// Lets the shell that just finished print its prompt before the other side is timed.
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

const terminal = await Terminal.spawn({ shell: 'bash', lineEditing: LINE_EDITING });
const raw = await RawBash.spawn();
const samples = { raw: [], orchflow: [] };
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  const order = i % 2 === 0 ? ['raw', 'orchflow'] : ['orchflow', 'raw'];
  for (const side of order) {
    const ms = side === 'raw' ? await timeRaw(raw) : await timeOrchflow(terminal);
    if (i >= WARMUP) samples[side].push(ms);
    await settle();
  }
}
await Promise.all([terminal.kill(), raw.kill()]);

const base = summarize(samples.raw);
const orch = summarize(samples.orchflow);
const overheadP50 = orch.p50 - base.p50;
const overheadP95 = orch.p95 - base.p95;
const pass = overheadP50 <= GOAL_MS;
printTable(`execute round trip of \`true\` (warm terminal, ${ITERATIONS} iterations, ms)`, [
  ['side', 'p50', 'p95', 'min', 'max'],
  ['raw node-pty', round(base.p50), round(base.p95), round(base.min), round(base.max)],
  ['orchflow', round(orch.p50), round(orch.p95), round(orch.min), round(orch.max)],
  ['overhead', round(overheadP50), round(overheadP95), '', ''],
]);
console.log(`goal: p50 overhead ≤ ${GOAL_MS} ms → ${pass ? 'pass' : 'miss'}`);
writeResults('execute-roundtrip', {
  params: { warmup: WARMUP, iterations: ITERATIONS, command: 'true' },
  unit: 'ms',
  baseline: base,
  orchflow: orch,
  overheadMs: { p50: round(overheadP50), p95: round(overheadP95) },
  ratio: { p50: round(orch.p50 / base.p50), p95: round(orch.p95 / base.p95) },
  goal: `p50 overhead <= ${GOAL_MS} ms`,
  pass,
});
