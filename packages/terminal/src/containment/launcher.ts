// The launcher every terminal process is exec'd through (the PTY shell, each scripted-mode
// `shell -c`, and whatever isolation wrapper runs them). It is a few lines of perl (perl-base is
// Essential on Debian and Ubuntu; `perl -e` starts in milliseconds) that, in one process which
// keeps its pid, session and process group:
//   1. joins the terminal's cgroups (writes its pid to each `cgroup.procs`), so nothing it starts
//      can leave them by forking, setsid or double-forking;
//   2. marks every fd above 2 close-on-exec (close_range, else one by one from /proc/self/fd):
//      node-pty opens PTY masters without O_CLOEXEC, so without this a shell inherits the masters
//      of every terminal spawned before it and can type into them;
//   3. installs the seccomp filter (seccomp-filter.ts) denying TIOCSTI/TIOCLINUX, setting
//      no_new_privs first when not root (the kernel requires one of the two);
//   4. execs the rest of its argv.
// Any failure prints `orchflow-launch: …` and exits 126 before the target runs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isExecutableFile } from '../spawn-options';
import { encodeProgram, FILTER_ARCHES, type FilterArch, injectionGuardProgram } from './seccomp-filter';

// Where perl is looked for; PATH is not used: an agent's PATH must not pick the launcher.
const PERL_CANDIDATES = ['/usr/bin/perl', '/bin/perl', '/usr/local/bin/perl'];

/** Prefix under which the launcher receives the PERL* variables it must not read itself. */
const STASH_PREFIX = 'ORCHFLOW_LAUNCH_STASH_';

function launcherScript(arch: FilterArch): string {
  const { prctl, close, closeRange } = FILTER_ARCHES[arch].syscalls;
  // PR_SET_NO_NEW_PRIVS 38, PR_SET_SECCOMP 22 with SECCOMP_MODE_FILTER 2, CLOSE_RANGE_CLOEXEC 4.
  return [
    'sub fail { print STDERR "orchflow-launch: @_\\n"; exit 126 }',
    'my ($bpf, $n) = splice(@ARGV, 0, 2);',
    'for my $p (splice(@ARGV, 0, $n)) { my $f; open($f, ">", $p) && print($f "$$\\n") && close($f) or fail("cannot join cgroup $p: $!") }',
    `if (syscall(${closeRange}, 3, 0xFFFFFFFF, 4) != 0) {`,
    '  opendir(my $d, "/proc/self/fd") or fail("cannot list /proc/self/fd: $!");',
    '  my $own = fileno($d);',
    `  for my $fd (grep { /^\\d+$/ && $_ > 2 && $_ != $own } readdir($d)) { syscall(${close}, $fd + 0) }`,
    '}',
    'if ($bpf ne "") {',
    `  $< == 0 or syscall(${prctl}, 38, 1, 0, 0, 0) == 0 or fail("cannot set no_new_privs: $!");`,
    '  my $prog = pack("H*", $bpf);',
    '  my $fprog = pack("S x![P] P", length($prog) / 8, $prog);',
    `  syscall(${prctl}, 22, 2, $fprog) == 0 or fail("cannot install the seccomp filter: $!");`,
    '}',
    `for (keys %ENV) { $ENV{$1} = delete $ENV{$_} if /^${STASH_PREFIX}(.+)$/ }`,
    'exec { $ARGV[0] } @ARGV or fail("cannot run $ARGV[0]: $!");',
  ].join('\n');
}

/** A program and its environment, as spawned. */
export interface LaunchArgv {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** What the launcher does before it execs the target. */
export interface LaunchSteps {
  /** `cgroup.procs` files to join (the terminal's cgroups). */
  cgroupProcs: readonly string[];
  /** Install the TIOCSTI/TIOCLINUX seccomp filter. */
  injectionGuard: boolean;
}

/** The launcher for this machine: where perl is and which filter applies. */
export interface Launcher {
  perl: string;
  arch: FilterArch | undefined;
  /** `target` run through the launcher doing `steps`. */
  wrap(target: LaunchArgv, steps: LaunchSteps): LaunchArgv;
}

/** The perl interpreter the launcher runs with, or undefined when none is installed. */
export function findPerl(): string | undefined {
  return PERL_CANDIDATES.find(isExecutableFile);
}

/**
 * Perl reads PERL5OPT, PERL5LIB and friends at startup, which would let a terminal's env load
 * code into the launcher before the filter is in place: they travel under a stash prefix and
 * are restored just before the exec.
 */
function stashPerlEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    out[key.startsWith('PERL') ? `${STASH_PREFIX}${key}` : key] = value;
  }
  return out;
}

/** A launcher using `perl` on `arch` (undefined arch: no filter can be built). */
export function createLauncher(perl: string, arch: FilterArch | undefined): Launcher {
  const script = launcherScript(arch ?? 'x64');
  const filterHex = arch ? encodeProgram(injectionGuardProgram(arch)).toString('hex') : '';
  return {
    perl,
    arch,
    wrap(target, steps) {
      if (steps.injectionGuard && !arch)
        throw new Error(`no seccomp filter for architecture ${process.arch}`);
      return {
        file: perl,
        args: [
          '-e',
          script,
          '--',
          steps.injectionGuard ? filterHex : '',
          String(steps.cgroupProcs.length),
          ...steps.cgroupProcs,
          target.file,
          ...target.args,
        ],
        env: stashPerlEnv(target.env),
      };
    },
  };
}

/**
 * Runs `/bin/true` (or `true` found next to perl) through `launcher` doing `steps`, synchronously;
 * resolves to undefined when it worked, else to why not (the launcher's own message).
 */
export function probeLauncher(launcher: Launcher, steps: LaunchSteps): string | undefined {
  const truePath = ['/bin/true', '/usr/bin/true', join('/usr/local/bin', 'true')].find(isExecutableFile);
  if (!truePath) return 'no /bin/true to probe the launcher with';
  const run = launcher.wrap({ file: truePath, args: [], env: {} }, steps);
  const result = spawnSync(run.file, run.args, { env: run.env, encoding: 'utf8', timeout: 10_000 });
  if (result.error) return `cannot run ${launcher.perl}: ${result.error.message}`;
  if (result.status === 0) return undefined;
  const said = result.stderr.trim().replace(/^orchflow-launch: /, '');
  return said || `the launcher exited with ${result.status ?? result.signal}`;
}
