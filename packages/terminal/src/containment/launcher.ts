// The launcher every terminal process is exec'd through (the PTY shell, each scripted-mode
// `shell -c`, and whatever isolation wrapper runs them). In one process which keeps its pid,
// session and process group, it:
//   1. joins the terminal's cgroups (writes `0`, itself, to each one's `tasks` or `cgroup.procs`;
//      see TerminalCgroup.joinFiles), so nothing it starts can leave them by forking, setsid or
//      double-forking;
//   2. marks every fd above 2 close-on-exec (close_range, else one by one from /proc/self/fd):
//      node-pty opens PTY masters without O_CLOEXEC, so without this a shell inherits the masters
//      of every terminal spawned before it and can type into them;
//   3. installs the seccomp filter (seccomp-filter.ts) denying TIOCSTI/TIOCLINUX, setting
//      no_new_privs first when not root, or when root lacks CAP_SYS_ADMIN (the kernel requires
//      one of the two);
//   4. restores the variables that were kept from it (see isStashed) and execs the rest of its
//      argv.
// Any failure prints `orchflow-launch: …` and exits 126 before the target runs.
// It comes in two forms with one argv: `native/orchflow-launch`, compiled from native/launcher.c
// when the package is installed or built (a C compiler is needed), and a few lines of perl
// (perl-base is Essential on Debian and Ubuntu) where that binary is missing. The native form is
// preferred: perl's start-up is ~6 ms of CPU per terminal process, which a thousand concurrent
// spawns on two cores feel (docs/performance.md).
import { spawnSync } from 'node:child_process';
import { type Stats, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errnoCode, errnoOfDescription, resourceShortage } from '../host-failure';
import { isExecutableFile } from '../spawn-options';
import { encodeProgram, FILTER_ARCHES, type FilterArch, injectionGuardProgram } from './seccomp-filter';

// Where perl is looked for; PATH is not used: an agent's PATH must not pick the launcher.
const PERL_CANDIDATES = ['/usr/bin/perl', '/bin/perl', '/usr/local/bin/perl'];

/** Prefix under which the launcher receives the variables it must not act on itself (isStashed). */
const STASH_PREFIX = 'ORCHFLOW_LAUNCH_STASH_';

function launcherScript(arch: FilterArch): string {
  const { prctl, close, closeRange } = FILTER_ARCHES[arch].syscalls;
  // PR_SET_NO_NEW_PRIVS 38, PR_SET_SECCOMP 22 with SECCOMP_MODE_FILTER 2, CLOSE_RANGE_CLOEXEC 4.
  return [
    'sub fail { print STDERR "orchflow-launch: @_\\n"; exit 126 }',
    'my ($bpf, $n) = splice(@ARGV, 0, 2);',
    'for my $p (splice(@ARGV, 0, $n)) { my $f; open($f, ">", $p) && print($f "0\\n") && close($f) or fail("cannot join cgroup $p: $!") }',
    `if (syscall(${closeRange}, 3, 0xFFFFFFFF, 4) != 0) {`,
    '  opendir(my $d, "/proc/self/fd") or fail("cannot list /proc/self/fd: $!");',
    '  my $own = fileno($d);',
    `  for my $fd (grep { /^\\d+$/ && $_ > 2 && $_ != $own } readdir($d)) { syscall(${close}, $fd + 0) }`,
    '}',
    'if ($bpf ne "") {',
    `  $< == 0 or syscall(${prctl}, 38, 1, 0, 0, 0) == 0 or fail("cannot set no_new_privs: $!");`,
    '  my $prog = pack("H*", $bpf);',
    '  my $fprog = pack("S x![P] P", length($prog) / 8, $prog);',
    // Root without CAP_SYS_ADMIN (a container) is refused (EACCES) until it sets no_new_privs.
    `  syscall(${prctl}, 22, 2, $fprog) == 0 or ($< == 0 && $! == 13 && syscall(${prctl}, 38, 1, 0, 0, 0) == 0 && syscall(${prctl}, 22, 2, $fprog) == 0) or fail("cannot install the seccomp filter: $!");`,
    '}',
    `for (keys %ENV) { $ENV{$1} = delete $ENV{$_} if /^${STASH_PREFIX}(.+)$/ }`,
    'exec { $ARGV[0] } @ARGV or fail("cannot run $ARGV[0]: $!");',
  ].join('\n');
}

/**
 * A program and its environment, as spawned. Not exported publicly: the API reference shows it
 * inline in `withoutInheritedFds`.
 * @inline
 */
export interface LaunchArgv {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** What the launcher does before it execs the target. */
export interface LaunchSteps {
  /** Files to write `0` to, joining the terminal's cgroups (`TerminalCgroup.joinFiles`). */
  cgroupFiles: readonly string[];
  /** Install the TIOCSTI/TIOCLINUX seccomp filter. */
  injectionGuard: boolean;
}

/** Which form of the launcher runs (see the module header). */
export type LauncherKind = 'native' | 'perl';

/** The launcher for this machine: which form, the program that runs, and which filter applies. */
export interface Launcher {
  kind: LauncherKind;
  /** `orchflow-launch` or the perl interpreter. */
  program: string;
  arch: FilterArch | undefined;
  /** `target` run through the launcher doing `steps`. */
  wrap(target: LaunchArgv, steps: LaunchSteps): LaunchArgv;
}

/** The perl interpreter the launcher runs with, or undefined when none is installed. */
export function findPerl(): string | undefined {
  return PERL_CANDIDATES.find(isExecutableFile);
}

/**
 * Variables a launcher must not act on before it has closed the orchestrator's fds and installed
 * the filter: PERL5OPT, PERL5LIB and friends load code into perl, LD_PRELOAD and LD_AUDIT into any
 * dynamically linked program (perl, or a native launcher built without `-static`), GCONV_PATH and
 * GLIBC_TUNABLES steer the C library. They travel under a stash prefix, and the launcher restores
 * them just before the exec, so the terminal's programs get them as given.
 */
function isStashed(name: string): boolean {
  return (
    name.startsWith('PERL') || name.startsWith('LD_') || name === 'GCONV_PATH' || name === 'GLIBC_TUNABLES'
  );
}

function stashLoaderEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) out[isStashed(key) ? `${STASH_PREFIX}${key}` : key] = value;
  return out;
}

// Built ESM and vitest have import.meta.url, built CJS __filename.
const url = (import.meta as { url?: string }).url;
const anchor = url ? fileURLToPath(url) : __filename;

/** Where a compiled program of the package is, or why there is none that may run. */
export type NativeLauncherLookup = { path: string } | { missing: string; untrusted?: boolean };

/**
 * The compiled launcher, when the package has one that is safe to run (see
 * {@link lookUpNativeProgram}).
 */
export function lookUpNativeLauncher(roots?: string[]): NativeLauncherLookup {
  return lookUpNativeProgram('orchflow-launch', 'native launcher', roots);
}

/**
 * The package's compiled program `name` (the launcher, the spawner), when it is safe to run: a
 * regular executable file that, like its directory, is owned by root or by this user and writable
 * by no one else (whoever can replace it runs code in every terminal). It sits in the package's
 * `native/` directory, beside `dist/` (one level up from the bundle) or `src/` (two levels up from
 * this file, in tests): `roots` are where to look.
 */
export function lookUpNativeProgram(
  name: string,
  what: string,
  roots = [join(dirname(anchor), anchor.endsWith('.ts') ? '../..' : '..')],
): NativeLauncherLookup {
  const owners = `root or uid ${process.geteuid?.()}`;
  const problem = (path: string, st: Stats | undefined): string | undefined => {
    if (!st) return `${path} does not exist`;
    if ((st.mode & 0o022) !== 0) return `${path} is writable by its group or others`;
    if (st.uid !== 0 && st.uid !== process.geteuid?.())
      return `${path} is owned by uid ${st.uid}, not ${owners}`;
    return undefined;
  };
  let untrusted: string | undefined;
  for (const root of roots) {
    const dir = join(root, 'native');
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    // The directory too: whoever may write to it can put another file in the binary's place.
    const why =
      problem(path, st) ??
      (!st.isFile() || (st.mode & 0o100) === 0 ? `${path} is not an executable file` : undefined) ??
      problem(dir, statSync(dir, { throwIfNoEntry: false }));
    if (why === undefined) return { path };
    untrusted ??= why;
  }
  return untrusted ? { missing: untrusted, untrusted: true } : { missing: `the ${what} is not compiled` };
}

/** The launcher's argv after its program (and, for perl, its script): the same for both forms. */
function launchArgs(filterHex: string, target: LaunchArgv, steps: LaunchSteps): string[] {
  return [
    steps.injectionGuard ? filterHex : '',
    String(steps.cgroupFiles.length),
    ...steps.cgroupFiles,
    target.file,
    ...target.args,
  ];
}

function createLauncher(
  kind: LauncherKind,
  program: string,
  arch: FilterArch | undefined,
  form: (args: string[], env: Record<string, string>) => LaunchArgv,
): Launcher {
  const filterHex = arch ? encodeProgram(injectionGuardProgram(arch)).toString('hex') : '';
  return {
    kind,
    program,
    arch,
    wrap(target, steps) {
      if (steps.injectionGuard && !arch)
        throw new Error(`no seccomp filter for architecture ${process.arch}`);
      return form(launchArgs(filterHex, target, steps), target.env);
    },
  };
}

/** The compiled launcher at `path` on `arch` (undefined arch: no filter can be built). */
export function createNativeLauncher(path: string, arch: FilterArch | undefined): Launcher {
  return createLauncher('native', path, arch, (args, env) => ({
    file: path,
    args,
    env: stashLoaderEnv(env),
  }));
}

/** The launcher run by `perl` on `arch` (undefined arch: no filter can be built). */
export function createPerlLauncher(perl: string, arch: FilterArch | undefined): Launcher {
  const script = launcherScript(arch ?? 'x64');
  return createLauncher('perl', perl, arch, (args, env) => ({
    file: perl,
    args: ['-e', script, '--', ...args],
    env: stashLoaderEnv(env),
  }));
}

/** Why a launcher did not run its probe, for the server's operator and for a caller. */
export interface LaunchProblem {
  /** Everything known (what the launcher printed, its path): for warnings and the server's log. */
  detail: string;
  /**
   * The same without host paths, for a SpawnFailed (it reaches remote clients unchanged): the
   * launcher's own message with its paths left out and its OS error named by code, else only
   * how it ended (what else it printed may be anything: a dynamic loader's or a shell's words
   * quoting the launcher's install path).
   */
  forCaller: string;
}

/**
 * Runs `/bin/true` through `launcher` doing `steps`, synchronously;
 * resolves to undefined when it worked, else to why not.
 */
export function probeLauncher(launcher: Launcher, steps: LaunchSteps): LaunchProblem | undefined {
  const truePath = ['/bin/true', '/usr/bin/true', join('/usr/local/bin', 'true')].find(isExecutableFile);
  if (!truePath) {
    const missing = 'no /bin/true to probe the launcher with';
    return { detail: missing, forCaller: missing };
  }
  const run = launcher.wrap({ file: truePath, args: [], env: {} }, steps);
  const result = spawnSync(run.file, run.args, { env: run.env, encoding: 'utf8', timeout: 10_000 });
  if (result.error) {
    const code = errnoCode(result.error);
    return {
      detail: `cannot run ${launcher.program}: ${result.error.message}`,
      forCaller:
        code === 'ETIMEDOUT'
          ? 'it did not finish within 10 s'
          : (resourceShortage(code) ?? `it cannot be started (${code ?? 'an unexpected error'})`),
    };
  }
  if (result.status === 0) return undefined;
  const ended =
    result.status === null ? `it was killed by ${result.signal}` : `it exited with ${result.status}`;
  const said = result.stderr.trim();
  const own = /^orchflow-launch: ([^\n]+)$/.exec(said)?.[1];
  return {
    detail:
      said.replace(/^orchflow-launch: /, '') || `the launcher exited with ${result.status ?? result.signal}`,
    forCaller: own === undefined ? ended : withoutPaths(own),
  };
}

/**
 * One of the launcher's own messages (`cannot join cgroup <file>: Permission denied`) without the
 * paths it names, its OS error by code: `cannot join cgroup (EACCES)`.
 */
function withoutPaths(message: string): string {
  const parts = /^(.*): ([^:]+)$/.exec(message);
  const code = parts ? errnoOfDescription(parts[2] as string) : undefined;
  const what = (code && parts ? (parts[1] as string) : message).replace(/\s\/[^\s:]*/g, '');
  return code ? `${what} (${code})` : what;
}
