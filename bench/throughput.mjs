// Benchmark: 256 MiB of output through a terminal to a consumer. Both sides run the producer in
// a warm bash and are timed from typing the line until the consumer holds all output up to the
// command's end. Raw: bytes counted in node-pty's onData until the PROMPT_COMMAND marker.
// orchflow: execute() runs the line; a manual-ack subscriber counts bytes (acking every chunk)
// until it reaches the end offset the output had when execute() settled. Runs alternate; each
// starts from a fresh shell (spawn untimed) after a GC, and this process's RSS is sampled every
// 50 ms for the peak growth. (The shell is not made to `exit` after the producer: a session
// leader's exit hangs the PTY up, and Linux then discards output the reader has not read yet.)
// Goals: orchflow ≥ 0.8× the baseline's throughput, peak RSS growth ≤ 64 MiB.
import { Terminal } from '@orchflow/terminal';
import { LINE_EDITING, RawBash } from './lib/raw-bash.mjs';
import {
  arg,
  collectGarbage,
  mib,
  printTable,
  quick,
  RssSampler,
  round,
  summarize,
  writeResults,
} from './lib/stats.mjs';

const BYTES = Number(arg('bytes', quick ? 32 * 2 ** 20 : 256 * 2 ** 20));
const RUNS = Number(arg('runs', quick ? 2 : 4));
const WARMUP_BYTES = 8 * 2 ** 20;
const GOAL_RATIO = 0.8;
const GOAL_RSS_MIB = 64;
const producer = (bytes) => `head -c ${bytes} /dev/zero | tr '\\0' x`;

async function runRaw(bytes) {
  const shell = await RawBash.spawn();
  collectGarbage();
  const rss = new RssSampler();
  let received = 0;
  shell.pty.onData((data) => {
    received += data.length;
  });
  const t0 = performance.now();
  const status = await shell.run(producer(bytes));
  const ms = performance.now() - t0;
  const memory = rss.stop();
  await shell.kill();
  if (status !== 0) throw new Error(`raw: producer exited ${status}`);
  return { ms, received, ...memory };
}

async function runOrchflow(bytes) {
  const terminal = await Terminal.spawn({ shell: 'bash', lineEditing: LINE_EDITING });
  collectGarbage();
  const rss = new RssSampler();
  let received = 0;
  let cursor = 0;
  let target = Number.POSITIVE_INFINITY;
  let reached;
  const caughtUp = new Promise((resolve) => {
    reached = resolve;
  });
  const t0 = performance.now();
  const sub = terminal.subscribe({ manualAck: true }, (event) => {
    if (event.type !== 'data') return;
    received += event.nextOffset - event.offset;
    cursor = event.nextOffset;
    sub.ack(cursor);
    if (cursor >= target) reached();
  });
  const result = await terminal.execute(producer(bytes));
  // Everything the command printed is in the pipeline now; the last batch flushes within 16 ms.
  target = terminal.read({ maxBytes: 1 }).endOffset;
  if (cursor >= target) reached();
  await caughtUp;
  const ms = performance.now() - t0;
  const memory = rss.stop();
  sub.dispose();
  await terminal.kill();
  if (result.exitCode !== 0) throw new Error(`orchflow: producer exited ${result.exitCode}`);
  return { ms, received, ...memory };
}

const runs = { raw: [], orchflow: [] };
await runRaw(WARMUP_BYTES);
await runOrchflow(WARMUP_BYTES);
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? ['raw', 'orchflow'] : ['orchflow', 'raw'];
  for (const side of order) {
    const run = side === 'raw' ? await runRaw(BYTES) : await runOrchflow(BYTES);
    if (run.received < BYTES) throw new Error(`${side}: received ${run.received} of ${BYTES} bytes`);
    runs[side].push(run);
    console.log(`${side}: ${round(run.ms, 0)} ms, peak RSS growth ${mib(run.growth)} MiB`);
  }
}

const mibps = (list) => summarize(list.map((r) => BYTES / 2 ** 20 / (r.ms / 1000)));
const growth = (list) => summarize(list.map((r) => mib(r.growth)));
const base = { mibPerSec: mibps(runs.raw), rssGrowthMiB: growth(runs.raw) };
const orch = { mibPerSec: mibps(runs.orchflow), rssGrowthMiB: growth(runs.orchflow) };
// Throughput: higher is better, so its p95 is the 5th percentile of the rates ("slow runs").
const ratio = { p50: orch.mibPerSec.p50 / base.mibPerSec.p50 };
const rssPeak = orch.rssGrowthMiB.max;
const pass = { throughput: ratio.p50 >= GOAL_RATIO, rss: rssPeak <= GOAL_RSS_MIB };
const row = (name, s) => [
  name,
  round(s.mibPerSec.p50, 0),
  round(s.mibPerSec.min, 0),
  round(s.rssGrowthMiB.p50, 1),
  round(s.rssGrowthMiB.max, 1),
];
printTable(`throughput of ${mib(BYTES)} MiB to a consumer (${RUNS} runs per side)`, [
  ['side', 'MiB/s p50', 'MiB/s worst', 'RSS growth p50 (MiB)', 'RSS growth max (MiB)'],
  row('raw node-pty onData', base),
  row('orchflow subscriber', orch),
  ['ratio', `${round(ratio.p50, 2)}×`, `${round(orch.mibPerSec.min / base.mibPerSec.min, 2)}×`, '', ''],
]);
console.log(
  `goal: ≥ ${GOAL_RATIO}× → ${pass.throughput ? 'pass' : 'miss'}; RSS growth ≤ ${GOAL_RSS_MIB} MiB → ${pass.rss ? 'pass' : 'miss'}`,
);
writeResults('throughput', {
  params: { bytes: BYTES, runs: RUNS, producer: producer(BYTES), rssSampleMs: 50 },
  baseline: base,
  orchflow: orch,
  ratio: { p50: round(ratio.p50), worst: round(orch.mibPerSec.min / base.mibPerSec.min) },
  runs: Object.fromEntries(
    Object.entries(runs).map(([side, list]) => [
      side,
      list.map((r) => ({ ms: round(r.ms, 1), growthMiB: mib(r.growth), startRssMiB: mib(r.startRss) })),
    ]),
  ),
  goal: `throughput ratio >= ${GOAL_RATIO}, peak RSS growth <= ${GOAL_RSS_MIB} MiB`,
  pass,
});
