// Benchmark: the worst event-loop block of one `CommandPolicy.check` over a generated pathological
// corpus (issue #11 §4): nesting of $( ( { `, cwd fan-out (`cd d0; cd d1; …`), paths × cds, brace
// and comma lists, 30 000 statements, 30 000-stage pipelines, heredocs, long globs, at sizes up to
// the 64 KiB the policy judges. For each input, in the same run:
//   - block: the longest the event loop stalled while `check` ran, measured by a 1 ms interval
//     timer (the gap between two ticks minus the interval), and the check's latency and verdict;
//   - baseline: tree-sitter-bash parsing the same text on the event loop (what a check did before
//     it moved to a worker: the parse alone, without judging), and `bash -n` on it (bash's own parse).
// It also times another agent's `echo hi` check sent while the worst input is being judged.
// Goal: no block over 50 ms. Reports only; never fails over a missed goal.
// Run: pnpm --filter @orchflow/bench bench:policy   (builds @orchflow/security first)
//      node bench/policy-worst-case.mjs --quick      (1 and 8 KiB only)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { CommandPolicy, MAX_COMMAND_BYTES, SecurityPresets } from '@orchflow/security';
import { printTable, quick, round, writeResults } from './lib/stats.mjs';

const GOAL_BLOCK_MS = 50;
const SIZES = quick ? [1024, 8192] : [1024, 8192, MAX_COMMAND_BYTES];
// A parse baseline that runs longer than this is cut off (tree-sitter's progress callback).
const BASELINE_CAP_MS = 5_000;

// Fills `max` bytes with `unit` joined by `join` (all generators keep to ASCII: bytes = length).
const fill = (max, unit, join = '') =>
  Array.from(
    { length: Math.max(1, Math.floor((max + join.length) / (unit.length + join.length))) },
    () => unit,
  ).join(join);
const nest = (max, open, close, inner = 'rm -rf /') => {
  const n = Math.max(1, Math.floor((max - inner.length) / (open.length + close.length)));
  return open.repeat(n) + inner + close.repeat(n);
};
const cds = (n) => Array.from({ length: n }, (_, i) => `cd d${i}`).join('; ');
const paths = (n) => Array.from({ length: n }, (_, i) => `p${i}`).join(' ');

/** Family name → generator of an input of at most `max` bytes. */
const FAMILIES = {
  'nesting $(': (max) => nest(max, '$(', ')'),
  'nesting (': (max) => nest(max, '(', ')'),
  'nesting {': (max) => nest(max, '{ ', '; }'),
  'nesting `': (max) => nest(max, 'echo `', '`'),
  'nesting mixed': (max) => {
    let s = 'cat x';
    while (s.length < max / 2) s = `echo $( ( { echo "${s}"; } ) )`;
    return s;
  },
  'cd fan-out': (max) => `${cds(Math.floor(max / 7))}; cat x`.slice(0, max),
  'cds × paths': (max) => {
    const n = Math.floor(Math.sqrt(max / 10));
    return `${cds(n)}; cat ${paths(Math.floor((max - n * 7) / 6))}`.slice(0, max);
  },
  'echo { + commas': (max) => `echo {${','.repeat(max - 6)}`,
  '{a,b} + {': (max) => `{a,b}${'{'.repeat(max - 5)}`,
  'brace lists': (max) => `cat ${fill(max - 4, '{a,b,c,d}/')}`,
  sequences: (max) => `echo ${fill(max - 5, '{1..200}', ' ')}`,
  statements: (max) => fill(max, 'a', ';'),
  pipeline: (max) => fill(max, 'a', '|'),
  'and-or': (max) => fill(max, 'a', '&&'),
  heredocs: (max) => fill(max, 'cat <<E\nx\nE', '\n'),
  'heredocs one line': (max) => `${fill(max * 0.8, 'cat <<E;')}\n${fill(max * 0.2 - 1, 'E', '\n')}`,
  'long glob': (max) => `ls ${'*a'.repeat((max - 4) / 2)}`,
  'glob paths': (max) => `cat ${fill(max - 4, './*/../*', ' ')}`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
  expansions: (max) => `echo ${fill(max - 5, '${x:-$(y)}', ' ')}`,
  'bash -c nesting': (max) => {
    let s = `echo ${'a '.repeat(Math.floor(max / 40))}`;
    for (let i = 0; i < 8; i++) s = `bash -c ${JSON.stringify(s)}`;
    return s.slice(0, max);
  },
};

// The developer-agent policy of issue #11's review (an allowlist with forbidden paths) and the
// standard preset (a denylist).
const policies = {
  developer: new CommandPolicy({
    ...SecurityPresets.locked,
    allowedCommands: [...(SecurityPresets.locked.allowedCommands ?? []), 'git', 'python3', 'node', 'cd'],
    forbiddenPaths: ['~/.ssh', '/etc/shadow', `${process.cwd()}/secret`],
  }),
  standard: new CommandPolicy(SecurityPresets.standard),
};
const options = { cwd: process.cwd() };

// tree-sitter-bash as the package itself loads it, for the parse baseline on this thread.
const fromSecurity = createRequire(createRequire(import.meta.url).resolve('@orchflow/security'));
const { Language, Parser } = await import(fromSecurity.resolve('web-tree-sitter'));
await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(fromSecurity.resolve('tree-sitter-bash/tree-sitter-bash.wasm')));

function parseBaseline(text) {
  const t0 = performance.now();
  const tree = parser.parse(text, null, { progressCallback: () => performance.now() - t0 > BASELINE_CAP_MS });
  const ms = performance.now() - t0;
  if (tree) tree.delete();
  else parser.reset();
  return tree ? ms : Number.POSITIVE_INFINITY;
}

function bashBaseline(text) {
  const t0 = performance.now();
  spawnSync('bash', ['-n'], { input: text, timeout: BASELINE_CAP_MS });
  return performance.now() - t0;
}

/** Runs `check` with a 1 ms ticker beside it: the largest gap between ticks beyond 1 ms. */
async function blockOf(run) {
  let last = performance.now();
  let worst = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const decision = await run();
  const latency = performance.now() - t0;
  // Time this thread's loop spent running code (not idle) during the check: an upper bound of any
  // block the check itself caused, unlike the ticker, which also sees the OS running other threads.
  const loopBusy = performance.eventLoopUtilization(elu0).active;
  // One more tick: a block that ended with the check shows up in the gap to it.
  await new Promise((resolve) => setTimeout(resolve, 2));
  clearInterval(ticker);
  worst = Math.max(worst, performance.now() - last - 1);
  return { block: Math.max(0, worst), loopBusy, latency, decision };
}

// Warm both workers and the parser so start-up is not counted as a block.
await Promise.all(Object.values(policies).map((p) => p.ready()));
await Promise.all(Object.values(policies).map((p) => p.check('echo warm', options)));

// The same ticker with nothing but timers running: the floor of what it reports on this machine.
const idle = await blockOf(() => new Promise((resolve) => setTimeout(resolve, 1000)));

const rows = [];
let worstInput;
for (const [family, make] of Object.entries(FAMILIES)) {
  for (const size of SIZES) {
    const text = make(size);
    const bytes = Buffer.byteLength(text);
    const row = { family, bytes, parseMs: parseBaseline(text), bashMs: bashBaseline(text) };
    for (const [name, policy] of Object.entries(policies)) {
      const { block, loopBusy, latency, decision } = await blockOf(() => policy.check(text, options));
      row[name] = { blockMs: block, loopBusyMs: loopBusy, latencyMs: latency, rule: decision.rule };
      if (!worstInput || latency > worstInput.latency) worstInput = { text, policy, latency, family, bytes };
    }
    rows.push(row);
    const d = row.developer;
    console.log(
      `${family.padEnd(18)} ${String(bytes).padStart(6)} B  block ${d.blockMs.toFixed(1)} ms  busy ${d.loopBusyMs.toFixed(1)} ms  check ${d.latencyMs.toFixed(0)} ms (${d.rule})  parse on loop ${row.parseMs.toFixed(0)} ms`,
    );
  }
}

// Another agent's `echo hi`, sent while the slowest input of the run is being judged.
const slow = worstInput.policy.check(worstInput.text, options);
await new Promise((resolve) => setTimeout(resolve, 5));
const t0 = performance.now();
await policies.standard.check('echo hi', options);
const echoMs = performance.now() - t0;
await slow;

const families = Object.keys(FAMILIES).map((family) => {
  const mine = rows.filter((r) => r.family === family);
  const block = Math.max(...mine.flatMap((r) => Object.keys(policies).map((p) => r[p].blockMs)));
  const busy = Math.max(...mine.flatMap((r) => Object.keys(policies).map((p) => r[p].loopBusyMs)));
  const check = Math.max(...mine.flatMap((r) => Object.keys(policies).map((p) => r[p].latencyMs)));
  const parse = Math.max(...mine.map((r) => r.parseMs));
  const bash = Math.max(...mine.map((r) => r.bashMs));
  const big = mine.at(-1);
  return {
    family,
    block,
    busy,
    check,
    parse,
    bash,
    rules: Object.keys(policies)
      .map((p) => big[p].rule)
      .join(' / '),
  };
});
const fmt = (ms) => (Number.isFinite(ms) ? round(ms, 1) : `>${BASELINE_CAP_MS}`);
printTable(`worst per family over ${SIZES.join(', ')} bytes (verdict at the largest: developer / standard)`, [
  [
    'family',
    'block ms',
    'loop busy ms',
    'check ms',
    'parse on loop ms',
    'bash -n ms',
    'block/parse',
    'verdict',
  ],
  ...families.map((f) => [
    f.family,
    fmt(f.block),
    fmt(f.busy),
    fmt(f.check),
    fmt(f.parse),
    fmt(f.bash),
    Number.isFinite(f.parse) ? round(f.block / f.parse, 4) : 0,
    f.rules,
  ]),
]);
const worstBlock = Math.max(...families.map((f) => f.block));
const worstBusy = Math.max(...families.map((f) => f.busy));
console.log(
  `\nworst loop busy during a check ${round(worstBusy, 1)} ms; worst ticker gap ${round(worstBlock, 1)} ms (goal ≤ ${GOAL_BLOCK_MS} ms: ${worstBlock <= GOAL_BLOCK_MS ? 'pass' : 'miss'}); ` +
    `ticker floor with nothing running ${round(idle.block, 1)} ms; another agent's 'echo hi' during the slowest check (${worstInput.family}, ${worstInput.bytes} B): ${round(echoMs, 1)} ms`,
);
writeResults('policy-worst-case', {
  goalBlockMs: GOAL_BLOCK_MS,
  worstBlockMs: round(worstBlock, 2),
  worstLoopBusyMs: round(worstBusy, 2),
  idleFloorMs: round(idle.block, 2),
  echoDuringWorstMs: round(echoMs, 2),
  families: families.map((f) => ({ ...f, parse: Number.isFinite(f.parse) ? f.parse : null })),
  rows,
});
process.exit(0);
