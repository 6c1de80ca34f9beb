// Benchmark: the Python client (clients/python) against the TypeScript client, same run.
// `execute('true')` round trip on a warm terminal over stdio (each client supervises its own
// `orchflow serve --stdio` sidecar) and over WebSocket (one shared `orchflow serve --ws 0` child,
// token auth, loopback). Each Python side is a driver process (Debian's /usr/bin/python3 with
// clients/python/src on its path) that times its own calls with perf_counter, so the pipe to this
// script is not measured. The four sides run in rounds of ROUND iterations, rotating their order.
// Goal: the Python client's p50 ≤ 1.5× the TypeScript client's on each transport.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OrchflowClient } from '@orchflow/client/node';
import { printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const WARMUP = quick ? 30 : 100;
const ITERATIONS = quick ? 200 : 1000;
const ROUND = 50;
const GOAL_RATIO = 1.5;
const PYTHON = process.env.ORCHFLOW_BENCH_PYTHON ?? '/usr/bin/python3';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@orchflow/server/package.json')), 'dist', 'cli.mjs');
const pythonSrc = join(dirname(fileURLToPath(import.meta.url)), '..', 'clients', 'python', 'src');
const token = randomBytes(24).toString('hex');
const sidecarArgs = [cli, 'serve', '--stdio', '--policy', 'trusted', '--log-level', 'silent'];

/** Starts `orchflow serve --ws 0`; resolves with the process and its URL (from the JSON log). */
function startServer() {
  const args = [cli, 'serve', '--ws', '0', '--token', token, '--policy', 'trusted', '--log-format', 'json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      try {
        const record = JSON.parse(line);
        if (record.msg === 'listening') resolve({ child, url: record.listeners[0].address });
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`orchflow serve exited ${code}`)));
  });
}

// The Python driver: connects, spawns a terminal, then answers each `N` line on stdin with the
// JSON list of N round trips in ms.
const DRIVER = `
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
from orchflow import Orchestrator

async def main():
    kind = sys.argv[2]
    if kind == "stdio":
        orch = await Orchestrator.sidecar(["${process.execPath}", *sys.argv[4:]])
    else:
        orch = await Orchestrator.connect(sys.argv[3], token=sys.argv[4])
    async with orch:
        terminal = await orch.spawn_terminal("bench-python")
        loop = asyncio.get_running_loop()
        print("ready", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            samples = []
            for _ in range(int(line)):
                t0 = time.perf_counter()
                result = await terminal.execute("true")
                samples.append((time.perf_counter() - t0) * 1000)
                assert result.exit_code == 0
            print(json.dumps(samples), flush=True)

asyncio.run(main())
`;

/** A Python side: the driver process and a function that runs n round trips. */
function startPython(kind, url) {
  const args =
    kind === 'stdio'
      ? ['-c', DRIVER, pythonSrc, 'stdio', '-', ...sidecarArgs]
      : ['-c', DRIVER, pythonSrc, 'websocket', url, token];
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`python ${kind} driver exited`);
    return value;
  };
  return {
    ready: next().then((line) => {
      if (line !== 'ready') throw new Error(`python ${kind} driver said ${line}`);
    }),
    async run(n) {
      child.stdin.write(`${n}\n`);
      return JSON.parse(await next());
    },
    close() {
      child.stdin.end();
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** A TypeScript side over `client`. */
async function startTypeScript(client) {
  const terminal = await client.spawnTerminal('bench-ts');
  return {
    async run(n) {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const result = await terminal.execute('true');
        samples.push(performance.now() - t0);
        if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode}`);
      }
      return samples;
    },
    close: () => client.close(),
  };
}

const server = await startServer();
const pyStdio = startPython('stdio');
const pyWs = startPython('websocket', server.url);
await Promise.all([pyStdio.ready, pyWs.ready]);
const sides = {
  tsStdio: await startTypeScript(
    await OrchflowClient.stdio({ command: process.execPath, args: sidecarArgs }),
  ),
  tsWebsocket: await startTypeScript(await OrchflowClient.websocket(server.url, { token })),
  pyStdio,
  pyWebsocket: pyWs,
};
const names = Object.keys(sides);
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (const side of names) await sides[side].run(WARMUP);
for (let r = 0; r * ROUND < ITERATIONS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const side of order) samples[side].push(...(await sides[side].run(ROUND)));
}
await Promise.all(names.map((name) => sides[name].close()));
server.child.kill();

const stats = Object.fromEntries(names.map((name) => [name, summarize(samples[name])]));
const ratio = {
  stdio: {
    p50: round(stats.pyStdio.p50 / stats.tsStdio.p50),
    p95: round(stats.pyStdio.p95 / stats.tsStdio.p95),
  },
  websocket: {
    p50: round(stats.pyWebsocket.p50 / stats.tsWebsocket.p50),
    p95: round(stats.pyWebsocket.p95 / stats.tsWebsocket.p95),
  },
};
const pass = ratio.stdio.p50 <= GOAL_RATIO && ratio.websocket.p50 <= GOAL_RATIO;
const label = {
  tsStdio: 'TypeScript, stdio',
  pyStdio: 'Python, stdio',
  tsWebsocket: 'TypeScript, WebSocket',
  pyWebsocket: 'Python, WebSocket',
};
printTable(`execute('true') round trip, Python vs TypeScript client (${ITERATIONS} iterations, ms)`, [
  ['side', 'p50', 'p95', 'min', 'max'],
  ...['tsStdio', 'pyStdio', 'tsWebsocket', 'pyWebsocket'].map((name) => [
    label[name],
    round(stats[name].p50),
    round(stats[name].p95),
    round(stats[name].min),
    round(stats[name].max),
  ]),
]);
console.log(`Python/TypeScript p50: stdio ${ratio.stdio.p50}×, WebSocket ${ratio.websocket.p50}×`);
console.log(`goal: Python p50 ≤ ${GOAL_RATIO}× TypeScript on each transport → ${pass ? 'pass' : 'miss'}`);
writeResults('python-client', {
  params: { warmup: WARMUP, iterations: ITERATIONS, round: ROUND, command: 'true', python: PYTHON },
  unit: 'ms',
  sides: stats,
  ratio,
  goal: `python p50 <= ${GOAL_RATIO}x typescript (stdio and websocket)`,
  pass,
});
