// Benchmark: what @orchflow/core and the in-process client add on top of @orchflow/terminal.
// 1. Round trip of `true` on a warm terminal, three sides in the same run: a bare `Terminal`,
//    a terminal of an `Orchestrator` (`handle.execute`: admission, plugins, events) and one driven
//    through `OrchflowClient.direct(orch)` (JSON-RPC over an in-memory DirectChannel). Each
//    iteration runs every side once, the order rotating so none is always first.
// 2. 100 concurrent `execute('true')` across 100 warm terminals (one per terminal, all started at
//    once, timed until the last settles), terminal-level vs orchestrator vs direct, alternating.
// Goals: p50 overhead ≤ 0.3 ms over the terminal alone; the concurrent batch ≤ 1.2× terminal-level.
import { OrchflowClient } from '@orchflow/client';
import { Orchestrator } from '@orchflow/core';
import { Terminal } from '@orchflow/terminal';
import {
  arg,
  overheadOf,
  printOverheadTable,
  printTable,
  quick,
  round,
  summarize,
  writeResults,
} from './lib/stats.mjs';

const WARMUP = quick ? 30 : 100;
const ITERATIONS = quick ? 200 : 1000;
const FANOUT = Number(arg('terminals', 100));
const BATCH_WARMUP = quick ? 2 : 5;
const BATCH_RUNS = Number(arg('batches', quick ? 10 : 40));
const GOAL_OVERHEAD_MS = 0.3;
const GOAL_BATCH_RATIO = 1.2;
const SIDES = ['terminal', 'orchestrator', 'direct'];

// Lets the shell that just finished print its prompt before the next side is timed.
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Rotation `i` of the sides, reversed every other round so each side follows each other side. */
function order(i) {
  const rotated = SIDES.map((_, k) => SIDES[(i + k) % SIDES.length]);
  return Math.floor(i / SIDES.length) % 2 === 0 ? rotated : rotated.reverse();
}

async function timed(run) {
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
  return ms;
}

const orch = Orchestrator.builder()
  .withMaxTerminals(2 * FANOUT + 10)
  .build();
await orch.ready();
const client = await OrchflowClient.direct(orch);

/** `count` warm terminals per side, each side as `() => Promise<ExecResult>` runners. */
async function openTerminals(count) {
  const spawn = {
    terminal: async () => {
      const t = await Terminal.spawn({ shell: 'bash' });
      return { run: () => t.execute('true'), close: () => t.kill() };
    },
    orchestrator: async () => {
      const h = await orch.spawnTerminal('bench-orch', { shell: 'bash' });
      return { run: () => h.execute('true'), close: () => h.kill() };
    },
    direct: async () => {
      const r = await client.spawnTerminal('bench-direct', { shell: 'bash' });
      return { run: () => r.execute('true'), close: () => r.kill() };
    },
  };
  const out = {};
  for (const side of SIDES) {
    out[side] = [];
    // Ten at a time: spawning is not what is measured, and 300 forks at once only add noise.
    for (let i = 0; i < count; i += 10) {
      const n = Math.min(10, count - i);
      out[side].push(...(await Promise.all(Array.from({ length: n }, spawn[side]))));
    }
  }
  return out;
}

// 1. Round trip on one warm terminal per side.
const single = await openTerminals(1);
const samples = Object.fromEntries(SIDES.map((s) => [s, []]));
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  for (const side of order(i)) {
    const ms = await timed(single[side][0].run);
    if (i >= WARMUP) samples[side].push(ms);
    await settle();
  }
}
await Promise.all(SIDES.map((s) => single[s][0].close()));

// 2. FANOUT concurrent executes, one per terminal.
const many = await openTerminals(FANOUT);
const batches = Object.fromEntries(SIDES.map((s) => [s, []]));
for (let i = 0; i < BATCH_WARMUP + BATCH_RUNS; i++) {
  for (const side of order(i)) {
    const t0 = performance.now();
    const results = await Promise.all(many[side].map((t) => t.run()));
    const ms = performance.now() - t0;
    if (results.some((r) => r.exitCode !== 0)) throw new Error(`${side}: a batch command failed`);
    if (i >= BATCH_WARMUP) batches[side].push(ms);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
await Promise.all(SIDES.flatMap((s) => many[s].map((t) => t.close())));
await client.close();
await orch.shutdown();

const stat = Object.fromEntries(SIDES.map((s) => [s, summarize(samples[s])]));
const batch = Object.fromEntries(SIDES.map((s) => [s, summarize(batches[s])]));
const overhead = (side) => overheadOf(stat, side, 'terminal');
const batchRatio = (side) => ({
  p50: batch[side].p50 / batch.terminal.p50,
  p95: batch[side].p95 / batch.terminal.p95,
});
const pass = {
  orchestratorOverhead: overhead('orchestrator').p50 <= GOAL_OVERHEAD_MS,
  directOverhead: overhead('direct').p50 <= GOAL_OVERHEAD_MS,
  orchestratorBatch: batchRatio('orchestrator').p50 <= GOAL_BATCH_RATIO,
  directBatch: batchRatio('direct').p50 <= GOAL_BATCH_RATIO,
};
const label = {
  terminal: '@orchflow/terminal',
  orchestrator: 'Orchestrator',
  direct: 'OrchflowClient.direct',
};
printOverheadTable(
  `execute('true') round trip, warm terminal (${ITERATIONS} iterations per side, ms)`,
  SIDES,
  label,
  stat,
  'terminal',
);
printTable(
  `${FANOUT} concurrent execute('true') across ${FANOUT} terminals (${BATCH_RUNS} batches per side, ms)`,
  [
    ['side', 'p50', 'p95', 'min', 'max', 'ratio p50', 'ratio p95'],
    ...SIDES.map((s) => [
      label[s],
      round(batch[s].p50, 1),
      round(batch[s].p95, 1),
      round(batch[s].min, 1),
      round(batch[s].max, 1),
      s === 'terminal' ? '' : `${round(batchRatio(s).p50, 2)}×`,
      s === 'terminal' ? '' : `${round(batchRatio(s).p95, 2)}×`,
    ]),
  ],
);
const verdict = (ok) => (ok ? 'pass' : 'miss');
console.log(
  `goal: p50 overhead ≤ ${GOAL_OVERHEAD_MS} ms → orchestrator ${verdict(pass.orchestratorOverhead)}, direct ${verdict(pass.directOverhead)}; ` +
    `batch ≤ ${GOAL_BATCH_RATIO}× → orchestrator ${verdict(pass.orchestratorBatch)}, direct ${verdict(pass.directBatch)}`,
);
const rounded = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
writeResults('core', {
  params: {
    warmup: WARMUP,
    iterations: ITERATIONS,
    terminals: FANOUT,
    batchWarmup: BATCH_WARMUP,
    batches: BATCH_RUNS,
  },
  unit: 'ms',
  roundTrip: stat,
  overheadMs: { orchestrator: rounded(overhead('orchestrator')), direct: rounded(overhead('direct')) },
  concurrent: batch,
  concurrentRatio: {
    orchestrator: rounded(batchRatio('orchestrator')),
    direct: rounded(batchRatio('direct')),
  },
  goal: `p50 overhead <= ${GOAL_OVERHEAD_MS} ms over @orchflow/terminal; ${FANOUT} concurrent executes <= ${GOAL_BATCH_RATIO}x terminal-level`,
  pass,
});
