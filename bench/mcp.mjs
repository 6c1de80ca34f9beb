// Benchmark: what MCP adds to a command's round trip. In the same run, alternating: the official
// MCP v2 client calling `terminal_run({ command: 'true' })` on `orchflow mcp` over stdio, and
// `OrchflowClient.stdio` calling `execute('true')` on `orchflow serve --stdio` — both the BUILT CLI
// in its own process under the same `trusted` policy, each on one warm terminal. Goal: MCP adds
// ≤ 2 ms p50. The MCP client comes from packages/mcp's devDependencies (the bench adds no deps).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OrchflowClient } from '@orchflow/client/node';
import { arg, overheadOf, printOverheadTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const WARMUP = quick ? 30 : 100;
const ITERATIONS = Number(arg('iterations', quick ? 200 : 1000));
const GOAL_OVERHEAD_MS = 2;

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@orchflow/server/package.json')), 'dist', 'cli.mjs');
const mcpPackage = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'mcp', 'package.json');
const fromMcp = createRequire(mcpPackage);
const { Client } = await import(pathToFileURL(fromMcp.resolve('@modelcontextprotocol/client')).href);
const { StdioClientTransport } = await import(
  pathToFileURL(fromMcp.resolve('@modelcontextprotocol/client/stdio')).href
);

const sidecar = await OrchflowClient.stdio({
  command: process.execPath,
  args: [cli, 'serve', '--stdio', '--policy', 'trusted', '--log-level', 'silent'],
});
const terminal = await sidecar.spawnTerminal('bench', { shell: 'bash' });

const mcp = new Client({ name: 'bench', version: '1.0.0' });
await mcp.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'mcp', '--policy', 'trusted'],
    stderr: 'ignore',
  }),
);
const first = await mcp.callTool({ name: 'terminal_run', arguments: { command: 'true' } });
const terminalId = first.structuredContent.terminal_id;

const sides = {
  stdio: async () => {
    const r = await terminal.execute('true');
    if (r.exitCode !== 0) throw new Error(`execute: exit ${r.exitCode}`);
  },
  mcp: async () => {
    const r = await mcp.callTool({
      name: 'terminal_run',
      arguments: { command: 'true', terminal_id: terminalId },
    });
    if (r.isError || r.structuredContent.exit_code !== 0)
      throw new Error(`terminal_run: ${JSON.stringify(r)}`);
  },
};
const SIDES = ['stdio', 'mcp'];
const label = { stdio: 'OrchflowClient.stdio execute', mcp: 'MCP stdio terminal_run' };
const samples = { stdio: [], mcp: [] };

for (let i = 0; i < WARMUP; i++) for (const side of SIDES) await sides[side]();
for (let i = 0; i < ITERATIONS; i++) {
  for (const side of i % 2 === 0 ? SIDES : [...SIDES].reverse()) {
    const start = performance.now();
    await sides[side]();
    samples[side].push(performance.now() - start);
  }
}

await mcp.close();
await sidecar.close();

const stat = Object.fromEntries(SIDES.map((s) => [s, summarize(samples[s])]));
const overhead = overheadOf(stat, 'mcp', 'stdio');
printOverheadTable(
  `'true' round trip: MCP terminal_run vs execute over stdio (${ITERATIONS} iterations per side, ms)`,
  SIDES,
  label,
  stat,
  'stdio',
);
const ratio = stat.mcp.p50 / stat.stdio.p50;
const pass = overhead.p50 <= GOAL_OVERHEAD_MS;
console.log(
  `ratio p50 ${round(ratio, 2)}×; goal: MCP adds ≤ ${GOAL_OVERHEAD_MS} ms p50 → ${pass ? 'pass' : 'miss'}`,
);
writeResults('mcp', {
  params: { warmup: WARMUP, iterations: ITERATIONS },
  unit: 'ms',
  roundTrip: stat,
  overheadMs: { p50: round(overhead.p50), p95: round(overhead.p95) },
  ratioP50: round(ratio, 3),
  goal: { overheadP50Ms: GOAL_OVERHEAD_MS, pass },
});
process.exit(0);
