// Benchmark: what each transport adds to a command's round trip, and streaming over WebSocket.
// 1. `execute('true')` on a warm terminal, five sides in the same run: the in-process
//    Orchestrator (`handle.execute`), `OrchflowClient.direct` (in-memory channel), and a client of
//    the BUILT CLI over stdio (`orchflow serve --stdio` as a supervised sidecar), a Unix socket and
//    WebSocket (one `orchflow serve --unix … --ws 0` child process, token auth, loopback). The
//    servers run in their own processes, as they would in use; the order of the sides rotates.
// 2. 256 MiB (`head -c … | tr '\0' x`) streamed to a consumer that counts bytes: in-process
//    (`orch.streamOutput`) vs a WebSocket client (`terminal.stream()`), alternating, each run on a
//    fresh terminal, timed from `execute` until the consumer has every byte up to the end offset;
//    also the CPU time this process and the server spent per MiB (steadier than rates under load).
// Goals: transport overhead ≤ 1 ms p50 over in-process for stdio, Unix socket and WebSocket;
// WebSocket streaming ≥ 0.7× the in-process rate. `--only roundtrip` or `--only streaming` runs
// one part and writes `transports-<part>.json` instead.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
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
const BYTES = Number(arg('bytes', quick ? 32 * 2 ** 20 : 256 * 2 ** 20));
const STREAM_RUNS = Number(arg('runs', quick ? 2 : 4));
const ONLY = arg('only', 'all');
if (!['all', 'roundtrip', 'streaming'].includes(ONLY))
  throw new Error(`--only ${ONLY}: use roundtrip or streaming`);
const RUN_ROUNDTRIP = ONLY !== 'streaming';
const RUN_STREAMING = ONLY !== 'roundtrip';
const GOAL_OVERHEAD_MS = 1;
const GOAL_STREAM_RATIO = 0.7;
const SIDES = ['inProcess', 'direct', 'stdio', 'unix', 'websocket'];
const label = {
  inProcess: 'in-process Orchestrator',
  direct: 'OrchflowClient.direct',
  stdio: 'stdio sidecar',
  unix: 'Unix socket',
  websocket: 'WebSocket',
};

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@orchflow/server/package.json')), 'dist', 'cli.mjs');
const token = randomBytes(24).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'orchflow-bench-transports-'));
const socketPath = join(dir, 'orchflow.sock');

/** Starts `orchflow serve --unix … --ws 0`; resolves with the process and its WebSocket URL. */
function startServer() {
  const args = [cli, 'serve', '--unix', socketPath, '--ws', '0', '--token', token, '--log-level', 'silent'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (data) => {
      err += data;
      const url = /websocket\s+(ws:\/\/\S+)/.exec(err)?.[1];
      if (url && err.includes('unix socket')) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`orchflow serve exited ${code}: ${err}`)));
  });
}

// Lets the shell that just finished print its prompt before the next side is timed.
const settle = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Rotation `i` of the sides, reversed every other cycle so each side follows each other side. */
function order(i) {
  const rotated = SIDES.map((_, k) => SIDES[(i + k) % SIDES.length]);
  return Math.floor(i / SIDES.length) % 2 === 0 ? rotated : rotated.reverse();
}

const orch = Orchestrator.builder().build();
await orch.ready();
const server = await startServer();
const clients = {
  direct: await OrchflowClient.direct(orch),
  stdio: await OrchflowClient.stdio({
    command: process.execPath,
    args: [cli, 'serve', '--stdio', '--log-level', 'silent'],
  }),
  unix: await OrchflowClient.unixSocket(socketPath, { token }),
  websocket: await OrchflowClient.websocket(server.url, { token }),
};

/** A fresh terminal on `side`: `{ run, read, stream, kill }`, the same shape for every side. */
async function open(side) {
  if (side === 'inProcess') {
    const h = await orch.spawnTerminal('bench', { shell: 'bash' });
    return {
      execute: (command) => h.execute(command),
      endOffset: async () => h.read({ maxBytes: 1 }).endOffset,
      stream: (fromOffset) => orch.streamOutput(h.id, { fromOffset }),
      kill: () => h.kill(),
    };
  }
  const t = await clients[side].spawnTerminal('bench', { shell: 'bash' });
  return {
    execute: (command) => t.execute(command),
    endOffset: async () => (await t.read({ maxBytes: 1 })).endOffset,
    stream: (fromOffset) => t.stream({ fromOffset }),
    kill: () => t.kill(),
  };
}

// 1. Round trips.
const samples = Object.fromEntries(SIDES.map((s) => [s, []]));
if (RUN_ROUNDTRIP) {
  const terminals = {};
  for (const side of SIDES) terminals[side] = await open(side);
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const side of order(i)) {
      const t0 = performance.now();
      const result = await terminals[side].execute('true');
      const ms = performance.now() - t0;
      if (result.exitCode !== 0) throw new Error(`${side}: true exited ${result.exitCode}`);
      if (i >= WARMUP) samples[side].push(ms);
      await settle();
    }
  }
  await Promise.all(SIDES.map((s) => terminals[s].kill()));
}

// 2. Streaming.
const producer = `head -c ${BYTES} /dev/zero | tr '\\0' x`;

/**
 * CPU milliseconds used so far by this process plus the server's (Linux `/proc`; NaN elsewhere).
 * Wall-clock rates swing with the machine's load; the CPU each side's orchflow processes spend
 * per MiB does not, so it shows whether a change made the path cheaper. The shell, `head` and
 * `tr` are left out: they are the same work on both sides.
 */
function cpuMs() {
  const own = process.cpuUsage();
  try {
    const stat = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks; USER_HZ is 100 on every Linux.
    const serverMs = (Number(fields[11]) + Number(fields[12])) * 10;
    return (own.user + own.system) / 1000 + serverMs;
  } catch {
    return Number.NaN;
  }
}
async function streamRun(side) {
  const t = await open(side);
  const from = await t.endOffset();
  let cursor = from;
  let gaps = 0;
  let target = Number.POSITIVE_INFINITY;
  let reached;
  const caughtUp = new Promise((resolve) => {
    reached = resolve;
  });
  const t0 = performance.now();
  const cpu0 = cpuMs();
  const consume = (async () => {
    for await (const event of t.stream(from)) {
      if (event.type === 'gap') gaps += event.to - event.from;
      if (event.type === 'data') cursor = event.nextOffset;
      if (cursor >= target || event.type === 'end') break;
    }
    reached();
  })();
  const result = await t.execute(producer);
  target = await t.endOffset();
  if (cursor >= target) reached();
  await caughtUp;
  const ms = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  await t.kill();
  await consume;
  if (result.exitCode !== 0) throw new Error(`${side}: producer exited ${result.exitCode}`);
  if (target - from < BYTES) throw new Error(`${side}: only ${target - from} of ${BYTES} bytes written`);
  return { ms, cpuMsPerMiB: cpu / ((target - from) / 2 ** 20), bytes: target - from, gapBytes: gaps };
}
const streamSides = ['inProcess', 'websocket'];
const streams = { inProcess: [], websocket: [] };
if (RUN_STREAMING) {
  for (const side of streamSides) await streamRun(side); // warmup (the full size: V8 sizes its heap)
  for (let i = 0; i < STREAM_RUNS; i++) {
    for (const side of i % 2 === 0 ? streamSides : [...streamSides].reverse()) {
      const run = await streamRun(side);
      streams[side].push(run);
      console.log(
        `${side}: ${round(run.ms, 0)} ms, ${round(run.cpuMsPerMiB, 2)} CPU ms/MiB, ${run.gapBytes} bytes in gaps`,
      );
    }
  }
}

for (const side of ['direct', 'stdio', 'unix', 'websocket']) await clients[side].close();
server.child.kill('SIGTERM');
await new Promise((resolve) => server.child.once('exit', resolve));
await orch.shutdown();
rmSync(dir, { recursive: true, force: true });

const verdict = (ok) => (ok ? 'pass' : 'miss');
const rounded = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
const results = {
  params: {
    only: ONLY,
    warmup: WARMUP,
    iterations: ITERATIONS,
    bytes: BYTES,
    streamRuns: STREAM_RUNS,
    producer,
  },
  unit: 'ms',
};
const pass = {};
if (RUN_ROUNDTRIP) {
  const stat = Object.fromEntries(SIDES.map((s) => [s, summarize(samples[s])]));
  const overhead = (side) => overheadOf(stat, side, 'inProcess');
  for (const side of ['stdio', 'unix', 'websocket']) pass[side] = overhead(side).p50 <= GOAL_OVERHEAD_MS;
  printOverheadTable(
    `execute('true') round trip per transport (${ITERATIONS} iterations per side, ms)`,
    SIDES,
    label,
    stat,
    'inProcess',
  );
  console.log(
    `goal: overhead ≤ ${GOAL_OVERHEAD_MS} ms p50 → stdio ${verdict(pass.stdio)}, unix ${verdict(pass.unix)}, websocket ${verdict(pass.websocket)}`,
  );
  results.roundTrip = stat;
  results.overheadMs = Object.fromEntries(SIDES.slice(1).map((s) => [s, rounded(overhead(s))]));
}
if (RUN_STREAMING) {
  const rate = (list) => summarize(list.map((r) => r.bytes / 2 ** 20 / (r.ms / 1000)));
  const streamStat = { inProcess: rate(streams.inProcess), websocket: rate(streams.websocket) };
  const streamRatio = streamStat.websocket.p50 / streamStat.inProcess.p50;
  const gapBytes = streams.websocket.reduce((n, r) => n + r.gapBytes, 0);
  pass.streaming = streamRatio >= GOAL_STREAM_RATIO && gapBytes === 0;
  const cpu = Object.fromEntries(
    streamSides.map((s) => [s, summarize(streams[s].map((r) => r.cpuMsPerMiB))]),
  );
  printTable(`streaming ${round(BYTES / 2 ** 20, 0)} MiB (${STREAM_RUNS} runs per side, MiB/s)`, [
    ['side', 'p50', 'worst', 'best', 'CPU ms/MiB p50'],
    ...streamSides.map((s) => [
      label[s],
      round(streamStat[s].p50, 0),
      round(streamStat[s].min, 0),
      round(streamStat[s].max, 0),
      round(cpu[s].p50, 2),
    ]),
    [
      'ratio',
      `${round(streamRatio, 2)}×`,
      `${round(streamStat.websocket.min / streamStat.inProcess.min, 2)}×`,
      '',
      `${round(cpu.websocket.p50 / cpu.inProcess.p50, 2)}×`,
    ],
  ]);
  console.log(
    `goal: streaming ≥ ${GOAL_STREAM_RATIO}× without gaps → ${verdict(pass.streaming)} (${gapBytes} bytes in gaps)`,
  );
  results.streamingMiBPerSec = streamStat;
  results.streamingRatio = { p50: round(streamRatio) };
  results.streamingCpuMsPerMiB = Object.fromEntries(streamSides.map((s) => [s, rounded(cpu[s])]));
  results.streamingRuns = Object.fromEntries(
    streamSides.map((s) => [
      s,
      streams[s].map((r) => ({
        ms: round(r.ms, 1),
        cpuMsPerMiB: round(r.cpuMsPerMiB),
        gapBytes: r.gapBytes,
      })),
    ]),
  );
}
writeResults(ONLY === 'all' ? 'transports' : `transports-${ONLY}`, {
  ...results,
  goal: `transport overhead <= ${GOAL_OVERHEAD_MS} ms p50 over in-process; WebSocket streaming >= ${GOAL_STREAM_RATIO}x in-process`,
  pass,
});
