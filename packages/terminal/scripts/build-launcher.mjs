// Compiles the native launcher (native/launcher.c → native/orchflow-launch) with the system's C
// compiler: at install time (the package's `install` script) and in `build`. It never fails an
// install: without a compiler, terminals start through the launcher's perl form instead, which does
// the same work and costs a few milliseconds more per process (docs/performance.md).
// `--strict` makes a failed compile an error (the repository's own build, where the test suite
// needs the native form).
import { execFileSync } from 'node:child_process';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const source = join(native, 'launcher.c');
const target = join(native, 'orchflow-launch');
// Written beside the target and renamed over it, so a running orchestrator never sees half a file.
const partial = `${target}.${process.pid}.tmp`;
const compiler = process.env.CC || 'cc';
const flags = ['-O2', '-Wall', '-Wextra', '-s', '-o', partial, source];

function compile(extra) {
  execFileSync(compiler, [...extra, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
}

try {
  // Static when the C library's archive is installed: no dynamic loader on every terminal start.
  try {
    compile(['-static']);
  } catch {
    compile([]);
  }
  chmodSync(partial, 0o755);
  renameSync(partial, target);
} catch (error) {
  rmSync(partial, { force: true });
  const why = String(error.stderr || error.message)
    .trim()
    .split('\n')[0];
  const message = `@orchflow/terminal: the native launcher was not compiled (${compiler}: ${why}); terminals will start through perl instead`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
}
