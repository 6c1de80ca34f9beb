// Benchmark: what a command's own environment (`execute(cmd, { env })`, a traced command's
// TRACEPARENT) costs on a bare bash `Terminal` (issue #16's latency goal turns on it). Five
// terminals, alternating, `execute('true')` each:
// - `plain`: no env;
// - `typed`: a TRACEPARENT, typed as a prefix assignment of the command's `command eval` (the
//   default: bash without readline; what a traced command gets);
// - `typed, hooks`: a TRACESTATE instead, typed after the arm's token and checked by the hooks
//   (every variable but a W3C traceparent goes this way);
// - `readline`: no env, bash with readline (`lineEditing: true`), the baseline of the next;
// - `readline + file`: env through the private env file (what a shell with a line editor gets).
// Reported: p50/p95 per side, the added p50 of each env side over its baseline, and the shell's
// CPU per command (`/proc/<pid>/schedstat`), which is where the hand-off's cost is.
import { Terminal } from '@orchflow/terminal';
import { taskCpuMs } from './lib/proc.mjs';
import { arg, printOverheadTable, printTable, quick, round, summarize, writeResults } from './lib/stats.mjs';

const WARMUP = quick ? 30 : 100;
const ITERATIONS = Number(arg('iterations', quick ? 300 : 3000));
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const sides = {
  plain: { lineEditing: false, env: undefined, baseline: undefined },
  typed: { lineEditing: false, env: { TRACEPARENT }, baseline: 'plain' },
  'typed, hooks': { lineEditing: false, env: { TRACESTATE: 'congo=t61rcWkgMzE' }, baseline: 'plain' },
  readline: { lineEditing: true, env: undefined, baseline: undefined },
  'readline + file': { lineEditing: true, env: { TRACEPARENT }, baseline: 'readline' },
};
const names = Object.keys(sides);
const label = Object.fromEntries(names.map((s) => [s, s]));

const terminals = {};
for (const side of names) {
  terminals[side] = await Terminal.spawn({ shell: 'bash', lineEditing: sides[side].lineEditing });
}
const samples = Object.fromEntries(names.map((s) => [s, []]));
const cpuAtStart = {};
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  if (i === WARMUP) for (const side of names) cpuAtStart[side] = taskCpuMs(terminals[side].pid);
  for (const side of i % 2 === 0 ? names : [...names].reverse()) {
    const t0 = performance.now();
    const result = await terminals[side].execute('true', { env: sides[side].env });
    const ms = performance.now() - t0;
    if (result.exitCode !== 0) throw new Error(`${side}: true exited ${result.exitCode}`);
    if (i >= WARMUP) samples[side].push(ms);
    // A pause as an agent's next request would leave: the shell is not kept hot.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
const shellCpu = Object.fromEntries(
  names.map((side) => [side, (taskCpuMs(terminals[side].pid) - cpuAtStart[side]) / ITERATIONS]),
);
for (const side of names) await terminals[side].kill();

const stat = Object.fromEntries(names.map((s) => [s, summarize(samples[s])]));
printOverheadTable(`execute('true') round trip (${ITERATIONS} per side, ms)`, names, label, stat, 'plain');
const added = Object.fromEntries(
  names.filter((s) => sides[s].baseline).map((s) => [s, round(stat[s].p50 - stat[sides[s].baseline].p50)]),
);
printTable('what the env adds over its baseline', [
  ['side', 'baseline', 'added p50 (ms)', 'shell CPU per command (ms)', 'shell CPU added (ms)'],
  ...names.map((s) => {
    const base = sides[s].baseline;
    return [
      s,
      base ?? '',
      base ? added[s] : '',
      round(shellCpu[s]),
      base ? round(shellCpu[s] - shellCpu[base]) : '',
    ];
  }),
]);
writeResults('env-handoff', {
  params: { warmup: WARMUP, iterations: ITERATIONS, value: TRACEPARENT },
  unit: 'ms',
  roundTrip: stat,
  addedMs: added,
  shellCpuMsPerCommand: Object.fromEntries(names.map((s) => [s, round(shellCpu[s], 4)])),
});
