// orchflow's launcher, in both its forms (the compiled native/orchflow-launch and perl's), run for
// real: which one a host gets and why, what each does before it execs the target (fds, stashed
// variables, the TIOCSTI filter, PATH search), and its own failure messages.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Containment } from '../src/containment/containment';
import {
  CONTAINMENT_ENV,
  chooseLauncher,
  hostSupport,
  ignoredSettings,
  LAUNCHER_ENV,
} from '../src/containment/host';
import {
  createNativeLauncher,
  createPerlLauncher,
  findPerl,
  type Launcher,
  lookUpNativeLauncher,
  type NativeLauncherLookup,
  probeLauncher,
} from '../src/containment/launcher';
import { filterArch } from '../src/containment/seccomp-filter';
import { Terminal } from '../src/terminal';

const real = hostSupport();
const perl = findPerl() as string;
const found = lookUpNativeLauncher();
const native = 'path' in found ? found.path : undefined;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the launcher', () => {
  it('is the compiled one here (the build compiles it; perl is the fallback)', () => {
    expect(
      native,
      'native/orchflow-launch is missing: run `pnpm --filter @orchflow/terminal build`',
    ).toBeDefined();
    expect(real.launcher?.kind).toBe('native');
  });

  it(`is perl's when ${LAUNCHER_ENV}=perl`, () => {
    process.env[LAUNCHER_ENV] = 'perl';
    try {
      expect(hostSupport().launcher?.kind).toBe('perl');
    } finally {
      delete process.env[LAUNCHER_ENV];
    }
    expect(hostSupport().launcher?.kind).toBe('native');
  });

  it('falls back to perl, saying why when a compiled launcher is there but may not or cannot run', () => {
    const arch = filterArch();
    const choose = (want: string | undefined, native: NativeLauncherLookup, withPerl = true) =>
      chooseLauncher(want, arch, { native, perl: withPerl ? perl : undefined });
    const notCompiled = { missing: 'the native launcher is not compiled' };
    expect(choose(undefined, notCompiled)).toMatchObject({ launcher: { kind: 'perl' } });
    expect(choose(undefined, notCompiled).fallback).toBeUndefined();
    const untrusted = { missing: '/x/native is writable by its group or others', untrusted: true };
    expect(choose(undefined, untrusted)).toMatchObject({
      launcher: { kind: 'perl' },
      fallback: '/x/native is writable by its group or others',
    });
    expect(choose(undefined, { path: '/nonexistent/orchflow-launch' }).fallback).toMatch(
      /^the native launcher \/nonexistent\/orchflow-launch does not run: cannot run/,
    );
    expect(choose('native', notCompiled)).toEqual({
      missing: expect.stringMatching(/^the native launcher is not compiled \(ORCHFLOW_LAUNCHER=native; /),
      missingForCaller:
        "orchflow's native launcher is not compiled on the server; the server's operator compiles it there (a C compiler, then `npm rebuild @orchflow/terminal`), or unsets ORCHFLOW_LAUNCHER=native so that perl's launcher is used",
    });
    expect(choose(undefined, notCompiled, false).missing).toMatch(/^neither the native launcher nor perl/);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    Containment.create({}, { ...real, launcherFallback: 'a reason (test)', cgroups: undefined });
    expect(String(warn.mock.calls[0]?.[0])).toContain(
      "perl's launcher, a few ms slower per process: a reason (test)",
    );
  });

  it('warns about a setting it does not understand instead of ignoring it silently', () => {
    expect(ignoredSettings({ [LAUNCHER_ENV]: 'natvie', [CONTAINMENT_ENV]: 'cgroupv2' })).toEqual([
      `${CONTAINMENT_ENV}=cgroupv2 is not one of auto, process-tree, cgroup-v1, cgroup-v2; auto is used`,
      `${LAUNCHER_ENV}=natvie is not one of auto, native, perl; auto is used`,
    ]);
    // Not a word: possibly a secret pasted into the wrong variable, so only its length is told.
    expect(ignoredSettings({ [LAUNCHER_ENV]: 'ghp_0123456789abcdefghijklmnopqrstuvwxyz' })).toEqual([
      `${LAUNCHER_ENV} (a value of 40 characters) is not one of auto, native, perl; auto is used`,
    ]);
    expect(ignoredSettings({ [LAUNCHER_ENV]: 'perl', [CONTAINMENT_ENV]: '' })).toEqual([]);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    Containment.create({}, { ...real, ignoredSettings: ['a setting (test)'], cgroups: undefined });
    expect(warn.mock.calls.map((call) => String(call[0]))).toContain('orchflow: a setting (test)');
  });

  it('reports a missing perl interpreter', () => {
    const launcher = createPerlLauncher('/nonexistent/perl', filterArch());
    expect(probeLauncher(launcher, { cgroupFiles: [], injectionGuard: false })).toEqual({
      detail: expect.stringContaining('cannot run /nonexistent/perl'),
      forCaller: 'it cannot be started (ENOENT)',
    });
  });

  it('refuses a native launcher that someone else could rewrite', () => {
    const root = mkdtempSync(join(tmpdir(), 'orchflow-launcher-'));
    try {
      const copy = join(root, 'native', 'orchflow-launch');
      mkdirSync(join(root, 'native'));
      copyFileSync(native as string, copy);
      chmodSync(copy, 0o755);
      expect(lookUpNativeLauncher([root])).toEqual({ path: copy });
      chmodSync(copy, 0o775);
      expect(lookUpNativeLauncher([root])).toMatchObject({ untrusted: true });
      chmodSync(copy, 0o644);
      expect(lookUpNativeLauncher([root])).toMatchObject({ untrusted: true });
      chmodSync(copy, 0o755);
      chmodSync(join(root, 'native'), 0o777);
      expect(lookUpNativeLauncher([root])).toEqual({
        missing: `${join(root, 'native')} is writable by its group or others`,
        untrusted: true,
      });
      chmodSync(join(root, 'native'), 0o755);
      expect(lookUpNativeLauncher([root])).toEqual({ path: copy });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// The same steps and the same argv in both forms, so each runs the same checks.
describe.each([
  ['native', (): Launcher => createNativeLauncher(native as string, filterArch())],
  ['perl', (): Launcher => createPerlLauncher(perl, filterArch())],
] as const)('the %s launcher', (_kind, make) => {
  /** Runs `sh -c script` through the launcher with `env`; fd 3 is an extra pipe it must not pass on. */
  function run(script: string, env: Record<string, string> = {}, injectionGuard = true) {
    const argv = make().wrap(
      {
        file: '/bin/sh',
        args: ['-c', script, 'zero', 'one two'],
        env: { PATH: process.env.PATH ?? '', ...env },
      },
      { cgroupFiles: [], injectionGuard },
    );
    return spawnSync(argv.file, argv.args, {
      env: argv.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
  }

  it('runs the target with its argv and environment unchanged', () => {
    const r = run('printf "%s|%s|%s|%s" "$0" "$1" "$PERL5OPT" "$(env | grep -c ORCHFLOW_LAUNCH_STASH_)"', {
      PERL5OPT: '-MNoSuchModuleAnywhere',
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: 'zero|one two|-MNoSuchModuleAnywhere|0',
      stderr: '',
    });
  });

  it('hands the variables that steer perl and the C library to the target, not to itself', () => {
    const env = {
      PERL5LIB: '/x',
      LD_BIND_NOW: '1',
      GLIBC_TUNABLES: 'glibc.malloc.check=0',
      GCONV_PATH: '/y',
    };
    const argv = make().wrap(
      { file: '/bin/true', args: [], env },
      { cgroupFiles: [], injectionGuard: false },
    );
    expect(Object.keys(argv.env).sort()).toEqual(
      Object.keys(env)
        .map((k) => `ORCHFLOW_LAUNCH_STASH_${k}`)
        .sort(),
    );
    const r = run('printf "%s|%s|%s|%s" "$PERL5LIB" "$LD_BIND_NOW" "$GLIBC_TUNABLES" "$GCONV_PATH"', env);
    expect(r.stdout).toBe('/x|1|glibc.malloc.check=0|/y');
  });

  it('finds a target without a slash in PATH', () => {
    const argv = make().wrap(
      { file: 'sh', args: ['-c', 'echo found'], env: { PATH: '/usr/bin:/bin' } },
      { cgroupFiles: [], injectionGuard: false },
    );
    expect(spawnSync(argv.file, argv.args, { env: argv.env, encoding: 'utf8' }).stdout).toBe('found\n');
  });

  // Docker's default: root without CAP_SYS_ADMIN may install a filter only with no_new_privs.
  it.runIf(process.getuid?.() === 0)('installs the filter as root without CAP_SYS_ADMIN', () => {
    const argv = make().wrap(
      {
        file: 'python3',
        args: [
          '-c',
          'import fcntl, termios\ntry:\n    fcntl.ioctl(1, termios.TIOCSTI, b"x")\nexcept OSError as e:\n    print(e.errno)',
        ],
        env: { PATH: process.env.PATH ?? '' },
      },
      { cgroupFiles: [], injectionGuard: true },
    );
    const r = spawnSync('setpriv', ['--bounding-set=-sys_admin', '--', argv.file, ...argv.args], {
      env: argv.env,
      encoding: 'utf8',
    });
    expect({ stdout: r.stdout, stderr: r.stderr }).toEqual({ stdout: '1\n', stderr: '' });
  });

  it('passes on no fd above 2', () => {
    const script = '[ -e /proc/$$/fd/3 ] && echo open || echo closed';
    // Without the launcher the shell has the extra pipe at fd 3.
    const direct = spawnSync('/bin/sh', ['-c', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    expect(direct.stdout).toBe('open\n');
    expect(run(script).stdout).toBe('closed\n');
  });

  it('installs the TIOCSTI filter only when asked', () => {
    // Without a tty the ioctl fails either way: ENOTTY (25) from the tty layer, EPERM (1) from the filter.
    const script = `python3 -c 'import fcntl, termios
try:
    fcntl.ioctl(1, termios.TIOCSTI, b"x")
except OSError as e:
    print(e.errno)'`;
    expect(run(script, {}, true).stdout).toBe('1\n');
    expect(run(script, {}, false).stdout).toBe('25\n');
  });

  it('fails with its own message, before the target runs, when it cannot join a cgroup', () => {
    expect(
      probeLauncher(make(), { cgroupFiles: ['/nonexistent/cgroup.procs'], injectionGuard: false }),
    ).toEqual({
      detail: 'cannot join cgroup /nonexistent/cgroup.procs: No such file or directory',
      // For a caller: its own words without the path, the OS error by its code.
      forCaller: 'cannot join cgroup (ENOENT)',
    });
  });

  it('fails with its own message when the target cannot run', () => {
    const argv = make().wrap(
      { file: '/nonexistent/shell', args: [], env: {} },
      { cgroupFiles: [], injectionGuard: false },
    );
    const r = spawnSync(argv.file, argv.args, { env: argv.env, encoding: 'utf8' });
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(
      /^orchflow-launch: cannot run \/nonexistent\/shell: No such file or directory\n$/,
    );
  });

  it('cannot be asked for a filter on an architecture without one', () => {
    const launcher = make();
    const without = (launcher.kind === 'native' ? createNativeLauncher : createPerlLauncher)(
      launcher.program,
      undefined,
    );
    expect(() =>
      without.wrap({ file: '/bin/true', args: [], env: {} }, { cgroupFiles: [], injectionGuard: true }),
    ).toThrow(/no seccomp filter/);
  });

  it('makes a terminal fail to spawn with the launcher’s message', async () => {
    process.env[LAUNCHER_ENV] = make().kind;
    const error = await Terminal.spawn({
      shell: 'bash',
      spawnPty: (request) => {
        // The shell's argv as the launcher got it, with a cgroup that does not exist: the count
        // follows the filter argument (after perl's `-e SCRIPT --`).
        const args = [...request.args];
        const count = args[0] === '-e' ? 4 : 1;
        args.splice(count, 1, '1', '/nonexistent/cgroup.procs');
        return import('../src/node-pty-process').then(({ spawnNodePty }) =>
          spawnNodePty({ ...request, args }),
        );
      },
      containment: 'process-tree',
    })
      .catch((e: unknown) => e)
      .finally(() => delete process.env[LAUNCHER_ENV]);
    expect(isOrchflowError(error) && error.code === ErrorCode.SpawnFailed).toBe(true);
    expect((error as Error).message).toContain(
      'orchflow-launch: cannot join cgroup /nonexistent/cgroup.procs',
    );
  });
});

describe('a terminal through the perl launcher', () => {
  it('keeps PERL5OPT and friends away from perl, and hands them to the shell', async () => {
    process.env[LAUNCHER_ENV] = 'perl';
    const t = await Terminal.spawn({
      shell: 'bash',
      env: { PERL5OPT: '-MNoSuchModuleAnywhere', PERL5LIB: '/x' },
    }).finally(() => delete process.env[LAUNCHER_ENV]);
    try {
      expect((await t.execute('echo "$PERL5OPT $PERL5LIB"')).stdout).toBe('-MNoSuchModuleAnywhere /x\n');
      expect((await t.execute('env | grep -c ORCHFLOW_LAUNCH_STASH_; true')).stdout).toBe('0\n');
    } finally {
      await t.kill();
    }
  });
});
