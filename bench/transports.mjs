// Benchmark: what each transport adds to a command's round trip, and streaming over WebSocket.
// 1. `execute('true')` on a warm terminal, eight sides in the same run: the in-process
//    Orchestrator (`handle.execute`) twice — embedded in this process, and embedded in a process of
//    its own that idles between its turns as the servers do (`lib/in-process-host.mjs`; the
//    baseline the goal is judged against, see below) —, `OrchflowClient.direct` (in-memory channel), and a client of
//    the BUILT CLI over stdio (`orchflow serve --stdio` as a supervised sidecar), a Unix socket,
//    WebSocket and HTTP (a JSON-RPC session as the Node client speaks it: what the server sends on
//    one stream of binary frames, the messages on one streamed POST; or — the last side — the
//    fallback of clients that can do neither: SSE and a POST per message; one `orchflow serve`
//    child process per side, token auth, loopback). The servers run in
//    their own processes, as they would in use, one each so that all idle alike; the order of the
//    sides rotates, after every command or (`--block N`) after N commands in a row on a side,
//    after `--warmup N` commands per side (default 100; 2000 measures warm servers).
// 2. 256 MiB (`head -c … | tr '\0' x`) streamed to a consumer that counts bytes: in-process
//    (`orch.streamOutput`) vs a WebSocket and an HTTP client (`terminal.stream()`; also the HTTP
//    fallback, events as SSE, reported and not judged), rotating, each
//    run on a fresh terminal, timed from `execute` until the consumer has every byte up to the end
//    offset; also the CPU time this process and the side's server spent per MiB (steadier than rates).
// Goals: transport overhead ≤ 0.7 ms p50 over in-process on stdio, Unix socket, WebSocket and
// HTTP (the Node client's way; the fallback side is reported, not judged), judged against the
// in-process side in its own process: this process runs every side's client and is never idle, so
// an orchestrator embedded here answers warm while each server is woken from idle, and a process
// woken from idle spends more CPU on the same work whatever it is (both overheads are printed); streaming ≥ 0.8× the in-process rate over WebSocket, ≥ 0.7× over HTTP. `--only roundtrip`
// or `--only streaming` runs one part and writes `transports-<part>.json` instead. `--sides a,b`
// runs only those round-trip sides (e.g. `--sides inProcess,http`: one transport and its baseline,
// with no other server running commands between two of its own).
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OrchflowClient } from '@orchflow/client/node';
import { Orchestrator } from '@orchflow/core';
import { SecurityPresets } from '@orchflow/security';
import { childPids, processCpuMs } from './lib/proc.mjs';
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

// Commands per side before measuring. The servers' code takes ~2000 commands to warm up fully
// (their CPU per command halves meanwhile), so `--warmup 2000` measures the steady state.
const WARMUP = Number(arg('warmup', quick ? 30 : 100));
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup ${WARMUP}: use a whole number ≥ 0`);
const ITERATIONS = quick ? 200 : 1000;
const BYTES = Number(arg('bytes', quick ? 32 * 2 ** 20 : 256 * 2 ** 20));
const STREAM_RUNS = Number(arg('runs', quick ? 2 : 4));
const ONLY = arg('only', 'all');
// Round trips per side before the next side's turn: 1 (default) rotates the sides every command,
// so each side's server has idled through the other sides' commands; a larger block measures
// back-to-back commands on a process that is already awake.
const BLOCK = Number(arg('block', 1));
if (!Number.isInteger(BLOCK) || BLOCK < 1) throw new Error(`--block ${BLOCK}: use a whole number ≥ 1`);
if (!['all', 'roundtrip', 'streaming'].includes(ONLY))
  throw new Error(`--only ${ONLY}: use roundtrip or streaming`);
const RUN_ROUNDTRIP = ONLY !== 'streaming';
const RUN_STREAMING = ONLY !== 'roundtrip';
const GOAL_OVERHEAD_MS = 0.7;
const GOAL_STREAM_RATIO = { websocket: 0.8, http: 0.7 };
const ALL_SIDES = ['inProcess', 'inProcessHost', 'direct', 'stdio', 'unix', 'websocket', 'http', 'httpPosts'];
const SIDES = arg('sides', ALL_SIDES.join(',')).split(',');
if (SIDES[0] !== 'inProcess' || SIDES.some((s) => !ALL_SIDES.includes(s)))
  throw new Error(`--sides ${SIDES}: inProcess first, then any of ${ALL_SIDES.slice(1).join(', ')}`);
const REMOTE = ['stdio', 'unix', 'websocket', 'http', 'httpPosts'];
const JUDGED = ['stdio', 'unix', 'websocket', 'http'].filter((s) => SIDES.includes(s));
const label = {
  inProcess: 'in-process Orchestrator',
  inProcessHost: 'in-process, own process',
  direct: 'OrchflowClient.direct',
  stdio: 'stdio sidecar',
  unix: 'Unix socket',
  websocket: 'WebSocket',
  http: 'HTTP session',
  httpPosts: 'HTTP fallback: POSTs, SSE',
};

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@orchflow/server/package.json')), 'dist', 'cli.mjs');
const token = randomBytes(24).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'orchflow-bench-transports-'));
const socketPath = join(dir, 'orchflow.sock');

/**
 * Starts `orchflow serve` with one listener (`unix`, `websocket` or `http`); resolves with the
 * process and its address. One process per transport, as the stdio sidecar is one: a process that
 * idles through the other sides' commands answers more slowly (a Unix server shared with two more
 * sides measured 0.2–0.3 ms faster than an otherwise equal stdio sidecar), so every remote side
 * gets a server that idles alike.
 */
function startServer(kind) {
  const listener = { unix: ['--unix', socketPath], websocket: ['--ws', '0'], http: ['--http', '0'] }[kind];
  const args = ['serve', ...listener, '--token', token];
  // The same policy on every side (see POLICY); the human banner names the address even when silent.
  args.push('--policy', 'trusted', '--log-level', 'silent', '--log-format', 'human');
  // The bin itself, as `orchflow serve` runs: it starts node with the CLI's flags (node-flags.ts).
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // A run that fails (throws) must not leave its servers behind.
  process.once('exit', () => child.kill('SIGTERM'));
  const pattern = {
    unix: /unix socket/,
    websocket: /websocket\s+(ws:\/\/\S+)/,
    http: /http\s+(http:\/\/\S+)/,
  }[kind];
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (data) => {
      err += data;
      const match = pattern.exec(err);
      if (match) resolve({ child, url: match[1] });
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

// Every side judges commands under the same policy: `serve` always runs one (a network listener
// defaults to `standard`), so the in-process orchestrator gets the servers' `trusted` too.
const orch = Orchestrator.builder().withSecurityPolicy(SecurityPresets.trusted).build();
await orch.ready();
const servers = {
  unix: await startServer('unix'),
  websocket: await startServer('websocket'),
  http: await startServer('http'),
  httpPosts: await startServer('http'),
};
/** The in-process baseline in its own process (`lib/in-process-host.mjs`), or undefined. */
const host = SIDES.includes('inProcessHost') ? await startHost() : undefined;
const clients = {
  direct: await OrchflowClient.direct(orch),
  stdio: await OrchflowClient.stdio({
    command: cli,
    args: ['serve', '--stdio', '--policy', 'trusted', '--log-level', 'silent'],
  }),
  unix: await OrchflowClient.unixSocket(socketPath, { token }),
  websocket: await OrchflowClient.websocket(servers.websocket.url, { token }),
  http: await OrchflowClient.http(servers.http.url, { token }),
  // The fallback: a fetch client (no streamed request body) against a server without frames.
  httpPosts: await OrchflowClient.http(servers.httpPosts.url, {
    token,
    messageStream: false,
    eventFormat: 'sse',
  }),
};

/** Starts the in-process host; resolves with `{ child, call(op, fields) }` once it is ready. */
function startHost() {
  const child = fork(join(dirname(new URL(import.meta.url).pathname), 'lib', 'in-process-host.mjs'), {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill('SIGTERM'));
  const pending = new Map();
  let next = 0;
  const call = (op, fields = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...fields });
    });
  return new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.ready) return resolve({ child, call });
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`in-process host: ${message.error}`));
      else waiter.resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`in-process host exited ${code}`)));
  });
}

/**
 * A fresh terminal on `side`: `{ execute, endOffset, stream, kill }`, the same shape for every side.
 * The host's `execute` resolves with the time measured in the host (`ms`), without the IPC hop.
 */
async function open(side) {
  if (side === 'inProcessHost') {
    await host.call('open');
    return {
      execute: (command) => host.call('execute', { command }),
      kill: () => host.call('kill'),
    };
  }
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

/** The pid of the stdio sidecar: this process's child started with `--stdio`. */
function stdioPid() {
  return childPids().find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--stdio'));
}
const serverPidOf = {
  stdio: stdioPid(),
  unix: servers.unix.child.pid,
  websocket: servers.websocket.child.pid,
  http: servers.http.child.pid,
  httpPosts: servers.httpPosts.child.pid,
  inProcessHost: host?.child.pid,
};
/**
 * CPU ms of this process plus the side's server process (Linux `/proc`; NaN elsewhere). Under load
 * the round-trip times and stream rates measure mostly waiting for a core; the CPU orchflow's
 * processes spend per command or per MiB does not move with it. The shell, `head` and `tr` are
 * left out: they are the same work on every side.
 */
function sideCpuMs(side) {
  const own = process.cpuUsage();
  const pid = serverPidOf[side];
  return (own.user + own.system) / 1000 + (pid === undefined ? 0 : processCpuMs(pid));
}

// 1. Round trips.
const samples = Object.fromEntries(SIDES.map((s) => [s, []]));
const cpuTotal = Object.fromEntries(SIDES.map((s) => [s, 0]));
if (RUN_ROUNDTRIP) {
  const terminals = {};
  for (const side of SIDES) terminals[side] = await open(side);
  const done = Object.fromEntries(SIDES.map((s) => [s, 0]));
  for (let round = 0; round < Math.ceil((WARMUP + ITERATIONS) / BLOCK); round++) {
    for (const side of order(round)) {
      for (let j = 0; j < BLOCK && done[side] < WARMUP + ITERATIONS; j++) {
        const measured = done[side]++ >= WARMUP;
        const cpu0 = sideCpuMs(side);
        const t0 = performance.now();
        const result = await terminals[side].execute('true');
        const ms = performance.now() - t0;
        if (result.exitCode !== 0) throw new Error(`${side}: true exited ${result.exitCode}`);
        if (measured) samples[side].push(result.ms ?? ms);
        await settle();
        if (measured) cpuTotal[side] += sideCpuMs(side) - cpu0;
      }
    }
  }
  await Promise.all(SIDES.map((s) => terminals[s].kill()));
}

// 2. Streaming.
const producer = `head -c ${BYTES} /dev/zero | tr '\\0' x`;

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
  const cpu0 = sideCpuMs(side);
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
  const cpu = sideCpuMs(side) - cpu0;
  await t.kill();
  await consume;
  if (result.exitCode !== 0) throw new Error(`${side}: producer exited ${result.exitCode}`);
  if (target - from < BYTES) throw new Error(`${side}: only ${target - from} of ${BYTES} bytes written`);
  return { ms, cpuMsPerMiB: cpu / ((target - from) / 2 ** 20), bytes: target - from, gapBytes: gaps };
}
const streamSides = ['inProcess', 'websocket', 'http', 'httpPosts'];
const remoteStreams = ['websocket', 'http'];
const streams = { inProcess: [], websocket: [], http: [], httpPosts: [] };
if (RUN_STREAMING) {
  for (const side of streamSides) await streamRun(side); // warmup (the full size: V8 sizes its heap)
  for (let i = 0; i < STREAM_RUNS; i++) {
    const rotated = streamSides.map((_, k) => streamSides[(i + k) % streamSides.length]);
    for (const side of Math.floor(i / streamSides.length) % 2 === 0 ? rotated : rotated.reverse()) {
      const run = await streamRun(side);
      streams[side].push(run);
      console.log(
        `${side}: ${round(run.ms, 0)} ms, ${round(run.cpuMsPerMiB, 2)} CPU ms/MiB, ${run.gapBytes} bytes in gaps`,
      );
    }
  }
}

for (const side of ['direct', ...REMOTE]) await clients[side].close();
for (const { child } of Object.values(servers)) {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
if (host) {
  host.child.disconnect();
  await new Promise((resolve) => host.child.once('exit', resolve));
}
await orch.shutdown();
rmSync(dir, { recursive: true, force: true });

const verdict = (ok) => (ok ? 'pass' : 'miss');
const rounded = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
const results = {
  params: {
    only: ONLY,
    warmup: WARMUP,
    iterations: ITERATIONS,
    block: BLOCK,
    bytes: BYTES,
    streamRuns: STREAM_RUNS,
    producer,
  },
  unit: 'ms',
};
const pass = {};
if (RUN_ROUNDTRIP) {
  const stat = Object.fromEntries(SIDES.map((s) => [s, summarize(samples[s])]));
  // The judged baseline idles between its turns as the servers do (see the header); without the
  // host (`--sides` leaving it out) it is the orchestrator embedded in this process.
  const baseline = SIDES.includes('inProcessHost') ? 'inProcessHost' : 'inProcess';
  const overhead = (side) => overheadOf(stat, side, baseline);
  for (const side of JUDGED) pass[side] = overhead(side).p50 <= GOAL_OVERHEAD_MS;
  printOverheadTable(
    `execute('true') round trip per transport (${ITERATIONS} iterations per side${BLOCK > 1 ? ` in blocks of ${BLOCK}` : ''}, ms; overhead over ${label[baseline]})`,
    SIDES,
    label,
    stat,
    baseline,
  );
  console.log(
    `goal: overhead ≤ ${GOAL_OVERHEAD_MS} ms p50 over ${label[baseline]} → ${JUDGED.map((s) => `${s} ${verdict(pass[s])}`).join(', ')}`,
  );
  if (baseline !== 'inProcess') {
    const warm = (side) => round(overheadOf(stat, side, 'inProcess').p50);
    console.log(
      `overhead p50 over the orchestrator embedded in this busy process: ${REMOTE.filter((s) =>
        SIDES.includes(s),
      )
        .map((s) => `${s} +${warm(s)}`)
        .join(', ')}`,
    );
  }
  const cpuPerCall = Object.fromEntries(SIDES.map((s) => [s, round(cpuTotal[s] / ITERATIONS)]));
  printTable("CPU ms per execute (this process + the side's own process, mean; includes the settle pause)", [
    ['side', 'CPU ms', `over ${label[baseline]}`],
    ...SIDES.map((s) => [
      label[s],
      cpuPerCall[s],
      s === baseline ? '' : round(cpuPerCall[s] - cpuPerCall[baseline]),
    ]),
  ]);
  results.roundTrip = stat;
  results.baseline = baseline;
  results.cpuMsPerExecute = cpuPerCall;
  results.overheadMs = Object.fromEntries(
    SIDES.filter((s) => s !== baseline).map((s) => [s, rounded(overhead(s))]),
  );
  results.overheadOverBusyProcessMs = Object.fromEntries(
    SIDES.slice(1).map((s) => [s, rounded(overheadOf(stat, s, 'inProcess'))]),
  );
}
if (RUN_STREAMING) {
  const rate = (list) => summarize(list.map((r) => r.bytes / 2 ** 20 / (r.ms / 1000)));
  const streamStat = Object.fromEntries(streamSides.map((s) => [s, rate(streams[s])]));
  const ratio = (s) => streamStat[s].p50 / streamStat.inProcess.p50;
  const gapBytes = (s) => streams[s].reduce((n, r) => n + r.gapBytes, 0);
  for (const s of remoteStreams) {
    pass[`streaming_${s}`] = ratio(s) >= GOAL_STREAM_RATIO[s] && gapBytes(s) === 0;
  }
  const cpu = Object.fromEntries(
    streamSides.map((s) => [s, summarize(streams[s].map((r) => r.cpuMsPerMiB))]),
  );
  printTable(`streaming ${round(BYTES / 2 ** 20, 0)} MiB (${STREAM_RUNS} runs per side, MiB/s)`, [
    ['side', 'p50', 'worst', 'best', 'CPU ms/MiB p50', 'ratio p50', 'CPU ratio'],
    ...streamSides.map((s) => [
      label[s],
      round(streamStat[s].p50, 0),
      round(streamStat[s].min, 0),
      round(streamStat[s].max, 0),
      round(cpu[s].p50, 2),
      s === 'inProcess' ? '' : `${round(ratio(s), 2)}×`,
      s === 'inProcess' ? '' : `${round(cpu[s].p50 / cpu.inProcess.p50, 2)}×`,
    ]),
  ]);
  for (const s of remoteStreams) {
    console.log(
      `goal: ${s} streaming ≥ ${GOAL_STREAM_RATIO[s]}× without gaps → ${verdict(pass[`streaming_${s}`])} (${round(ratio(s), 2)}×, ${gapBytes(s)} bytes in gaps)`,
    );
  }
  results.streamingMiBPerSec = streamStat;
  results.streamingRatio = Object.fromEntries(streamSides.slice(1).map((s) => [s, { p50: round(ratio(s)) }]));
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
  goal: `transport overhead <= ${GOAL_OVERHEAD_MS} ms p50 over in-process; streaming >= ${GOAL_STREAM_RATIO.websocket}x in-process over WebSocket, >= ${GOAL_STREAM_RATIO.http}x over HTTP`,
  pass,
});
