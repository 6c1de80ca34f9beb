// Runs every benchmark in turn, each in its own node process (with --expose-gc, so RSS baselines
// are taken after a full GC). `--quick` is passed through for a smaller smoke run. Benchmarks
// report; they never fail the run over a missed goal.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = [
  'execute-roundtrip.mjs',
  'spawn.mjs',
  'throughput.mjs',
  'concurrent.mjs',
  'core.mjs',
  'transports.mjs',
  'mcp.mjs',
  'python-client.mjs',
];
const passThrough = process.argv.slice(2);
const started = performance.now();
for (const script of scripts) {
  console.log(`\n=== ${script} ${passThrough.join(' ')}`);
  const run = spawnSync(process.execPath, ['--expose-gc', join(here, script), ...passThrough], {
    stdio: 'inherit',
  });
  if (run.status !== 0) console.log(`${script} stopped with exit code ${run.status}; see its output above`);
}
console.log(`\nall benchmarks: ${Math.round((performance.now() - started) / 1000)} s`);
