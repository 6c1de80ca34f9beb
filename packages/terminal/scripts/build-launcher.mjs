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
// `CC` may carry words of its own (`ccache gcc`).
const [compiler, ...compilerArgs] = (process.env.CC || 'cc').trim().split(/\s+/);
const flags = ['-O2', '-Wall', '-Wextra', '-s', '-o', partial, source];

function compile(extra) {
  execFileSync(compiler, [...compilerArgs, ...extra, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The line of a compiler's output that says what went wrong. */
function firstError(error) {
  const lines = String(error.stderr || error.message)
    .trim()
    .split('\n');
  return lines.find((line) => /error/i.test(line)) ?? lines[0];
}

try {
  // Static when the C library's archive is installed: no dynamic loader on every terminal start.
  try {
    compile(['-static']);
  } catch (error) {
    compile([]);
    console.warn(
      `@orchflow/terminal: the native launcher is linked dynamically (no static C library: ${firstError(error)}); install libc6-dev for a static one`,
    );
  }
  chmodSync(partial, 0o755);
  // Not writable by the group either (a umask of 002): the launcher is not run from a directory
  // others may write to (src/containment/launcher.ts).
  chmodSync(native, 0o755);
  renameSync(partial, target);
} catch (error) {
  rmSync(partial, { force: true });
  const message = `@orchflow/terminal: the native launcher was not compiled (${[compiler, ...compilerArgs].join(' ')}: ${firstError(error)}); terminals will start through perl instead`;
  if (strict) {
    console.error(message);
    process.exit(1);
  }
  console.warn(message);
}
