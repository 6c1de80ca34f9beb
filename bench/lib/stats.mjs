// Shared plumbing of the benchmarks: percentiles, the result table printed to the console, the
// JSON written to bench/results/, an RSS sampler, and the command-line flags every script takes.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** True when `--quick` was passed: smaller sizes for a smoke run. */
export const quick = process.argv.includes('--quick');

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/** The p-th percentile (0–100) of `samples`, by nearest rank. */
export function percentile(samples, p) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** p50, p95, min, max and count of `samples`. */
export function summarize(samples) {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/** `n` rounded to `digits` decimals, for tables and JSON. */
export function round(n, digits = 3) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Prints `rows` (arrays of cells; the first is the header) as an aligned text table. */
export function printTable(title, rows) {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

/** The machine a result was measured on. */
export function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    // Other work on the machine shows up as noise; the 1-minute load when the result was written.
    loadAverage1m: round(loadavg()[0], 2),
  };
}

/** Writes bench/results/<name>.json. */
export function writeResults(name, body) {
  const path = join(resultsDir, `${name}.json`);
  const doc = { benchmark: name, date: new Date().toISOString(), quick, machine: machine(), ...body };
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nresults: ${path}`);
}

/** Samples this process's RSS every `intervalMs` and reports the peak above a starting point. */
export class RssSampler {
  constructor(intervalMs = 50) {
    this.start = process.memoryUsage().rss;
    this.peak = this.start;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one sample now (call at the end too, so a short run has at least one). */
  sample() {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
  }

  /** Stops sampling; returns start, peak and growth in bytes. */
  stop() {
    this.sample();
    clearInterval(this.timer);
    return { startRss: this.start, peakRss: this.peak, growth: this.peak - this.start };
  }
}

/** Runs a full GC when node was started with --expose-gc, so RSS baselines are comparable. */
export function collectGarbage() {
  globalThis.gc?.();
}

/** Bytes as MiB with one decimal. */
export function mib(bytes) {
  return round(bytes / 2 ** 20, 1);
}

/** `side`'s p50/p95 latency minus `baseline`'s (both stats objects of the same run). */
export function overheadOf(stat, side, baseline) {
  return { p50: stat[side].p50 - stat[baseline].p50, p95: stat[side].p95 - stat[baseline].p95 };
}

/** Prints each side's latency stats and its overhead over the `baseline` side. */
export function printOverheadTable(title, sides, label, stat, baseline) {
  const over = (side, q) => (side === baseline ? '' : round(overheadOf(stat, side, baseline)[q]));
  printTable(title, [
    ['side', 'p50', 'p95', 'min', 'max', 'overhead p50', 'overhead p95'],
    ...sides.map((s) => [
      label[s],
      round(stat[s].p50),
      round(stat[s].p95),
      round(stat[s].min),
      round(stat[s].max),
      over(s, 'p50'),
      over(s, 'p95'),
    ]),
  ]);
}
