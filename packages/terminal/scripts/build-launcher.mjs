// Compiles the native programs with the system's C compiler: the launcher (native/launcher.c →
// native/orchflow-launch) and the spawner (native/spawner.c → native/orchflow-spawner), at install
// time (the package's `install` script) and in `build`. It never fails an install: without a
// compiler, terminals start through the launcher's perl form instead, which does the same work and
// costs a few milliseconds more per process, and are forked by node-pty in the orchestrating
// process instead of the spawner (docs/performance.md).
// `--strict` makes a failed compile an error (the repository's own build, where the test suite
// needs the native form).
import { execFileSync } from 'node:child_process';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
const PROGRAMS = [
  {
    what: 'native launcher',
    source: 'launcher.c',
    target: 'orchflow-launch',
    without: 'terminals will start through perl instead',
  },
  {
    what: 'spawner',
    source: 'spawner.c',
    target: 'orchflow-spawner',
    without: 'node-pty will fork terminals in the orchestrating process instead',
  },
];
// `CC` may carry words of its own (`ccache gcc`).
const [compiler, ...compilerArgs] = (process.env.CC || 'cc').trim().split(/\s+/);

/** The line of a compiler's output that says what went wrong. */
function firstError(error) {
  const lines = String(error.stderr || error.message)
    .trim()
    .split('\n');
  return lines.find((line) => /error/i.test(line)) ?? lines[0];
}

/** Compiles one program; returns false (having said why) when it could not. */
function build({ what, source, target, without }) {
  const output = join(native, target);
  // Written beside the target and renamed over it, so a running orchestrator never sees half a file.
  const partial = `${output}.${process.pid}.tmp`;
  const compile = (extra) =>
    execFileSync(
      compiler,
      [...compilerArgs, ...extra, '-O2', '-Wall', '-Wextra', '-s', '-o', partial, join(native, source)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  try {
    // Static when the C library's archive is installed: no dynamic loader on every start.
    try {
      compile(['-static']);
    } catch (error) {
      compile([]);
      console.warn(
        `@orchflow/terminal: the ${what} is linked dynamically (no static C library: ${firstError(error)}); install libc6-dev for a static one`,
      );
    }
    chmodSync(partial, 0o755);
    // Not writable by the group either (a umask of 002): these programs are not run from a
    // directory others may write to (src/containment/launcher.ts).
    chmodSync(native, 0o755);
    renameSync(partial, output);
    return true;
  } catch (error) {
    rmSync(partial, { force: true });
    console[strict ? 'error' : 'warn'](
      `@orchflow/terminal: the ${what} was not compiled (${[compiler, ...compilerArgs].join(' ')}: ${firstError(error)}); ${without}`,
    );
    return false;
  }
}

const built = PROGRAMS.map(build);
if (strict && built.includes(false)) process.exit(1);
