// Benchmark: what recording, metrics and tracing cost when all three are on (issue #16).
// Two orchestrators in this process, the same policy: `off` (the default: no recording, no
// metrics, tracing a no-op) and `on` (RecordingPlugin recording every terminal to a temp dir as
// asciicast v2, MetricsPlugin with its own registry (scraped at the end), and the OpenTelemetry
// SDK registered with a batch processor and an exporter that drops the spans). The SDK is global,
// so a switch in front of it hands `on`'s spans to the SDK and `off`'s to the no-op tracer.
// 1. `execute('true')` on a warm terminal, 1000 per side, alternating (the order flips each time).
// 2. Throughput: 64 MiB (`head -c … | tr '\0' x`) through `execute` on a fresh terminal per run
//    (sixteen per side), timed until the result, with this process's CPU per MiB (steadier than
//    the rates); sides alternate, and the disk is synced (untimed) before each run.
// Goals: ≤ 0.2 ms p50 added to the round trip; ≤ 10 % throughput cost. `--each` adds three sides
// with one of the three on (`recording`, `metrics`, `tracing`), to show what each costs, and
// writes `observability-each.json` instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MetricsPlugin, Orchestrator } from '@orchflow/core';
import { SecurityPresets } from '@orchflow/security';
import {
  arg,
  collectGarbage,
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
const BYTES = Number(arg('bytes', quick ? 16 * 2 ** 20 : 64 * 2 ** 20));
// Sixteen runs per side: the rates of single runs swing with what else the two cores run (one
// build's throughput cost measured −0.2 to −12.3 % over twelve invocations of eight runs each).
const RUNS = Number(arg('runs', quick ? 2 : 16));
const GOAL_ADDED_MS = 0.2;
const GOAL_THROUGHPUT_COST = 0.1;
const EACH = process.argv.includes('--each');
const SIDES = EACH ? ['off', 'recording', 'metrics', 'tracing', 'on'] : ['off', 'on'];
const label = {
  off: 'recording, metrics, traces off',
  recording: 'recording only',
  metrics: 'metrics only',
  tracing: 'traces only',
  on: 'recording + metrics + traces on',
};
/** Sides whose spans go to the SDK. */
const TRACED = new Set(['tracing', 'on']);
const producer = `head -c ${BYTES} /dev/zero | tr '\\0' x`;

// Spans go to the SDK only while `tracing` is true (a side in TRACED is running).
let tracing = false;
let exported = 0;
const sdk = new BasicTracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({
      export(spans, done) {
        exported += spans.length;
        done({ code: 0 });
      },
      shutdown: async () => {},
    }),
  ],
});
// The API's own no-op tracer (the proxy's delegate before any SDK is registered).
const noop = trace.getTracerProvider().getDelegate().getTracer('noop');
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
// One switch per tracer, made once (as the SDK caches its tracers): the benchmark's switch must
// not add work per span that an app's registered SDK would not do.
const switches = new Map();
trace.setGlobalTracerProvider({
  getTracer(name, version, options) {
    const key = `${name}@${version ?? ''}`;
    let tracer = switches.get(key);
    if (!tracer) {
      const real = sdk.getTracer(name, version, options);
      tracer = {
        startSpan: (...args) => (tracing ? real : noop).startSpan(...args),
        startActiveSpan: (...args) => (tracing ? real : noop).startActiveSpan(...args),
      };
      switches.set(key, tracer);
    }
    return tracer;
  },
});

const metrics = new MetricsPlugin();
const dir = mkdtempSync(join(tmpdir(), 'orchflow-bench-observability-'));
const builder = () => Orchestrator.builder().withSecurityPolicy(SecurityPresets.trusted);
const orchestrators = {
  off: builder().build(),
  on: builder().withRecording({ dir, all: true }).withMetrics(metrics).build(),
};
if (EACH) {
  orchestrators.recording = builder().withRecording({ dir, all: true }).build();
  orchestrators.metrics = builder().withMetrics(new MetricsPlugin()).build();
  orchestrators.tracing = builder().build();
}
for (const orch of Object.values(orchestrators)) await orch.ready();

async function run(side, fn) {
  tracing = TRACED.has(side);
  try {
    return await fn(orchestrators[side]);
  } finally {
    tracing = false;
  }
}

// 1. Round trips.
const terminals = {};
for (const side of SIDES) terminals[side] = await orchestrators[side].spawnTerminal(`bench-${side}`);
const samples = Object.fromEntries(SIDES.map((side) => [side, []]));
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  for (const side of i % 2 === 0 ? SIDES : [...SIDES].reverse()) {
    const t0 = performance.now();
    const result = await run(side, () => terminals[side].execute('true'));
    const ms = performance.now() - t0;
    if (result.exitCode !== 0) throw new Error(`${side}: true exited ${result.exitCode}`);
    if (i >= WARMUP) samples[side].push(ms);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
for (const side of SIDES) await terminals[side].kill();

// 2. Throughput.
const rates = Object.fromEntries(SIDES.map((side) => [side, []]));
// This process's CPU per MiB (every thread: the orchestrator, the garbage collector's helpers, the
// policy worker). Rates swing with what else the two cores run; CPU per MiB moves much less, so it
// says what a feature costs when the rates of a few runs cannot.
const cpuPerMiB = Object.fromEntries(SIDES.map((side) => [side, []]));
async function throughputRun(side) {
  const t = await orchestrators[side].spawnTerminal(`bench-${side}-tp`);
  // The kernel writes earlier runs' recordings back to disk ~30 s after they were written, on the
  // same two cores: done now, untimed, it cannot land in some later run of either side.
  execFileSync('sync');
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run(side, () => t.execute(producer, { maxOutputBytes: 64 * 1024 }));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await t.kill();
  if (result.exitCode !== 0) throw new Error(`${side}: producer exited ${result.exitCode}`);
  const mib = BYTES / 2 ** 20;
  return { rate: mib / (ms / 1000), cpu: (cpu.user + cpu.system) / 1000 / mib };
}
for (const side of SIDES) await throughputRun(side);
for (let i = 0; i < RUNS; i++) {
  for (const side of i % 2 === 0 ? SIDES : [...SIDES].reverse()) {
    const { rate, cpu } = await throughputRun(side);
    rates[side].push(rate);
    cpuPerMiB[side].push(cpu);
    console.log(`${side}: ${round(rate, 1)} MiB/s, ${round(cpu, 2)} CPU ms/MiB`);
  }
}

const scrape = await metrics.registry.metrics();
await sdk.forceFlush();
for (const orch of Object.values(orchestrators)) await orch.shutdown();
rmSync(dir, { recursive: true, force: true });

const stat = Object.fromEntries(SIDES.map((s) => [s, summarize(samples[s])]));
const added = overheadOf(stat, 'on', 'off');
printOverheadTable(`execute('true') round trip (${ITERATIONS} per side, ms)`, SIDES, label, stat, 'off');
const rate = Object.fromEntries(SIDES.map((s) => [s, summarize(rates[s])]));
const cpuStat = Object.fromEntries(SIDES.map((s) => [s, summarize(cpuPerMiB[s])]));
const costOf = (side) => 1 - rate[side].p50 / rate.off.p50;
const cpuCostOf = (side) => cpuStat[side].p50 / cpuStat.off.p50 - 1;
const cost = costOf('on');
printTable(`throughput of ${BYTES / 2 ** 20} MiB through execute (${RUNS} runs per side, MiB/s)`, [
  ['side', 'p50', 'worst', 'best', 'cost p50', 'CPU ms/MiB p50', 'CPU added'],
  ...SIDES.map((s) => [
    label[s],
    round(rate[s].p50, 1),
    round(rate[s].min, 1),
    round(rate[s].max, 1),
    s === 'off' ? '' : `${round(costOf(s) * 100, 1)} %`,
    round(cpuStat[s].p50, 2),
    s === 'off' ? '' : `${round(cpuCostOf(s) * 100, 1)} %`,
  ]),
]);
const verdict = (ok) => (ok ? 'pass' : 'miss');
console.log(
  `goal: ≤ ${GOAL_ADDED_MS} ms p50 added → ${verdict(added.p50 <= GOAL_ADDED_MS)} (${round(added.p50)} ms)`,
);
console.log(
  `goal: ≤ ${GOAL_THROUGHPUT_COST * 100} % throughput cost → ${verdict(cost <= GOAL_THROUGHPUT_COST)} (${round(cost * 100, 1)} %)`,
);
console.log(`spans exported: ${exported}; metrics scrape: ${scrape.length} bytes`);
writeResults(EACH ? 'observability-each' : 'observability', {
  params: { each: EACH, warmup: WARMUP, iterations: ITERATIONS, bytes: BYTES, runs: RUNS, producer },
  unit: 'ms',
  roundTrip: stat,
  addedMs: added,
  throughputMiBs: rate,
  throughputCost: round(cost, 3),
  cpuMsPerMiB: cpuStat,
  cpuCost: round(cpuCostOf('on'), 3),
  ...(EACH && {
    throughputCostBySide: Object.fromEntries(SIDES.slice(1).map((side) => [side, round(costOf(side), 3)])),
    cpuCostBySide: Object.fromEntries(SIDES.slice(1).map((side) => [side, round(cpuCostOf(side), 3)])),
  }),
  spansExported: exported,
});
