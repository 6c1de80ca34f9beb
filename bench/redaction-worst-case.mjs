// Benchmark: how fast the stream redactor (the built-in patterns plus three literal secrets, as a
// terminal with a policy has it) gets through output shaped to make it work: false leads on every
// line, `grep -r` output of private-key headers without their END line, a flood of bare headers,
// headers each followed by 16 KiB of key-like body and no END, real keys back to back (also as a
// diff removing them), legacy encrypted headers with a long body and no END, and a pattern of
// one's own at the limit of what the pattern check accepts (its own redactor). The
// baseline is plain text through the same redactor, in the same run (rotating order, median of the
// runs); the ratio says how much slower each shape is. Timed as CPU time of this process. The
// terminal itself streams ~80 MiB/s here, so a shape under ~10 MiB/s would slow the terminal's
// thread for every other terminal. Goal: every shape ≥ 10 MiB/s. Reports only.
// Run: pnpm --filter @orchflow/bench bench:redaction   (builds @orchflow/security first)
//      node bench/redaction-worst-case.mjs --quick   (1 MiB per shape, 3 runs)
import { createRedactor } from '@orchflow/security';
import { arg, printTable, quick, round, writeResults } from './lib/stats.mjs';

const GOAL_MIBS = 10;
const BYTES = Number(arg('--bytes', quick ? 1 << 20 : 8 << 20));
const RUNS = Number(arg('--runs', quick ? 3 : 5));
const CHUNKS = [4096, 65536];

const fillTo = (unit) => unit.repeat(Math.ceil(BYTES / unit.length)).slice(0, BYTES);
const KEY = `-----BEGIN RSA PRIVATE KEY-----\n${'QUJDRA=='.repeat(200).replace(/(.{64})/g, '$1\n')}\n-----END RSA PRIVATE KEY-----\n`;
const lines = (make) => {
  let text = '';
  for (let i = 0; text.length < BYTES; i++) text += make(i);
  return text.slice(0, BYTES);
};

/** Shape name → text of BYTES bytes (all ASCII). */
const SHAPES = {
  'plain text (baseline)': fillTo('the quick brown fox jumps over the lazy dog 0123456789\n'),
  'false leads on every line': lines((i) => `line ${i}: gh=1 AKIA? ghost tok- -----BEGIN nothing\n`),
  'grep -r of key headers': lines((i) => `keys/k${i}.pem:-----BEGIN RSA PRIVATE KEY-----\n`),
  'bare headers back to back': fillTo('-----BEGIN PRIVATE KEY-----'),
  'header + 16 KiB body, no END': fillTo(`-----BEGIN PRIVATE KEY-----\n${'QUJD'.repeat(4096)}\n`),
  'real keys back to back': fillTo(KEY),
  'removed keys in a diff': fillTo(KEY.replace(/^/gm, '-').slice(0, -1)),
  'legacy encrypted headers, no END': fillTo(
    `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,${'0'.repeat(64)}${'A'.repeat(16300)}\n`,
  ),
  // Through CUSTOM (below): a pattern of one's own whose two repetitions can share the same
  // letters as many ways as the pattern check lets them (47.5 scans of the widest), on letters that
  // never end in its `!`: every lead fails after trying them all.
  'custom pattern at the chain limit': fillTo(`AB${'Q'.repeat(198)}`),
};
const CUSTOM = new Set(['custom pattern at the chain limit']);

const redactor = createRedactor({
  builtins: true,
  secrets: [
    { name: 'TOKEN', value: 'tok-9f8e7d6c5b4a' },
    { name: 'DB', value: 'postgres://app:hunter2@db/app' },
    { name: 'KEY', value: 'sk_live_0123456789abcdef' },
  ],
});

const custom = createRedactor({ patterns: [{ name: 'chain', regex: 'AB[A-Z]{0,100}[A-Z]{0,45}!' }] });

function cpuMs(run) {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function redactStream(shape, bytes, chunk) {
  const stream = (CUSTOM.has(shape) ? custom : redactor).stream();
  let out = 0;
  for (let at = 0; at < bytes.length; at += chunk) out += stream.write(bytes.subarray(at, at + chunk)).length;
  return out + stream.flush().length;
}

const inputs = Object.entries(SHAPES).map(([shape, text]) => ({ shape, bytes: Buffer.from(text, 'latin1') }));
const samples = new Map();
for (let run = -1; run < RUNS; run++) {
  for (const chunk of CHUNKS) {
    const order = inputs.map((_, i) => inputs[(i + run + 1) % inputs.length]);
    for (const { shape, bytes } of order) {
      const ms = cpuMs(() => redactStream(shape, bytes, chunk));
      if (run < 0) continue; // warm-up
      const key = `${shape}|${chunk}`;
      samples.set(key, [...(samples.get(key) ?? []), bytes.length / 1048576 / (ms / 1000)]);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const chunk of CHUNKS) {
  const base = median(samples.get(`plain text (baseline)|${chunk}`));
  for (const { shape } of inputs) {
    const mibs = median(samples.get(`${shape}|${chunk}`));
    rows.push({ shape, chunk, mibs: round(mibs, 1), ratio: round(mibs / base, 4) });
  }
}
printTable(`stream redaction, ${BYTES} bytes per shape, median of ${RUNS} runs (CPU MiB/s)`, [
  ['shape', 'chunk', 'MiB/s', 'ratio to plain'],
  ...rows.map((r) => [r.shape, r.chunk, r.mibs, r.ratio]),
]);
const worst = rows.reduce((a, b) => (b.mibs < a.mibs ? b : a));
console.log(
  `\nslowest: ${worst.shape} in ${worst.chunk}-byte chunks, ${worst.mibs} MiB/s (goal ≥ ${GOAL_MIBS}: ${worst.mibs >= GOAL_MIBS ? 'pass' : 'miss'})`,
);
writeResults('redaction-worst-case', { goalMibs: GOAL_MIBS, bytes: BYTES, runs: RUNS, rows });
