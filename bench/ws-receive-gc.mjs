// Diagnostic: what receiving a fast WebSocket stream costs a Node process, with and without
// `@orchflow/client/node` loaded, and how many full GCs (mark-compacts) it runs. No orchflow code
// is on the receive path: a bare `ws` client takes 67 KiB binary frames (the size of orchflow's
// output frames) from a bare `ws` server in a child process, paced to ~55 MiB/s (the rate the
// streaming benchmark reaches). Each receiver is a fresh process, because what this shows is that
// the cost is decided per process: V8 either frees the socket reads' ArrayBuffers with cheap
// scavenges, or starts a mark-compact every few MiB (ArrayBuffer memory allocated since the last
// full GC counts against the old generation's headroom) and stays in that mode.
//
//   node ws-receive-gc.mjs [--processes 6] [--bytes 268435456] [--runs 3]
//
// Prints, per load and per process, the rate, CPU ms per MiB (runs after the first) and the
// mark-compacts during the runs; writes results/ws-receive-gc.json.
import { fork } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { arg, printTable, round, summarize, writeResults } from './lib/stats.mjs';

const FRAME_BYTES = 67 * 1024;
const FRAMES_PER_TICK = 8; // every 10 ms: ~52 MiB/s
const BYTES = Number(arg('bytes', 256 * 2 ** 20));
const RUNS = Number(arg('runs', 3));
const PROCESSES = Number(arg('processes', 6));
const LOADS = ['bare', 'client'];
const self = fileURLToPath(import.meta.url);

if (process.argv.includes('--sender')) await send();
else if (process.argv.includes('--receiver')) await receive(arg('load', 'bare'));
else await compare();

/** Sends BYTES of frames, paced, each time a client sends `go`. */
async function send() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('listening', () => process.send(server.address().port));
  const payload = Buffer.alloc(FRAME_BYTES, 120);
  server.on('connection', (socket) =>
    socket.on('message', () => {
      let sent = 0;
      const tick = () => {
        for (let i = 0; i < FRAMES_PER_TICK && sent < BYTES; i++, sent += FRAME_BYTES) socket.send(payload);
        if (sent < BYTES) setTimeout(tick, 10);
      };
      tick();
    }),
  );
}

/** Receives RUNS streams in this process; prints one JSON line with what they cost. */
async function receive(load) {
  // Loading the client is all `client` does: nothing of it runs while the stream is received.
  if (load === 'client') globalThis.orchflowClient = await import('@orchflow/client/node');
  let markCompacts = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
  });
  observer.observe({ entryTypes: ['gc'] });
  const sender = fork(self, ['--sender', '--bytes', String(BYTES)], { stdio: 'inherit' });
  const port = await new Promise((resolve) => sender.once('message', resolve));
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve) => socket.once('open', resolve));
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const mc0 = markCompacts;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((resolve) => {
      let received = 0;
      const onMessage = (data) => {
        received += data.length;
        if (received < BYTES) return;
        socket.off('message', onMessage);
        resolve();
      };
      socket.on('message', onMessage);
      socket.send('go');
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    // Let the observer see the last GCs of the run.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const mib = BYTES / 2 ** 20;
    runs.push({
      mibPerSec: mib / (ms / 1000),
      cpuMsPerMiB: (cpu.user + cpu.system) / 1000 / mib,
      markCompacts: markCompacts - mc0,
    });
  }
  observer.disconnect();
  socket.close();
  sender.kill();
  console.log(JSON.stringify({ load, runs }));
}

/** Runs PROCESSES receivers per load, alternating the loads, and prints the table. */
async function compare() {
  const results = Object.fromEntries(LOADS.map((load) => [load, []]));
  for (let i = 0; i < PROCESSES; i++) {
    for (const load of i % 2 === 0 ? LOADS : [...LOADS].reverse()) {
      const child = fork(
        self,
        ['--receiver', '--load', load, '--bytes', String(BYTES), '--runs', String(RUNS)],
        {
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        },
      );
      let out = '';
      child.stdout.on('data', (data) => {
        out += data;
      });
      await new Promise((resolve) => child.once('exit', resolve));
      const { runs } = JSON.parse(out.trim().split('\n').at(-1));
      // The first run warms the code up; its CPU is not the steady state.
      const steady = runs.slice(1);
      results[load].push({
        mibPerSec: round(summarize(steady.map((r) => r.mibPerSec)).p50, 1),
        cpuMsPerMiB: round(summarize(steady.map((r) => r.cpuMsPerMiB)).p50, 2),
        markCompacts: steady.reduce((n, r) => n + r.markCompacts, 0),
      });
      const last = results[load].at(-1);
      console.log(
        `${load} #${results[load].length}: ${last.mibPerSec} MiB/s, ${last.cpuMsPerMiB} CPU ms/MiB, ${last.markCompacts} mark-compacts`,
      );
    }
  }
  printTable(
    `bare ws receiving ${RUNS - 1} × ${round(BYTES / 2 ** 20, 0)} MiB per process (after one warm-up run)`,
    [
      ['load', 'process', 'MiB/s', 'CPU ms/MiB', 'mark-compacts'],
      ...LOADS.flatMap((load) =>
        results[load].map((r, i) => [
          load === 'client' ? '@orchflow/client/node loaded' : 'nothing loaded',
          i + 1,
          r.mibPerSec,
          r.cpuMsPerMiB,
          r.markCompacts,
        ]),
      ),
    ],
  );
  writeResults('ws-receive-gc', {
    params: { bytes: BYTES, runs: RUNS, processes: PROCESSES, frameBytes: FRAME_BYTES },
    results,
  });
}
