// Where containment cannot be had: no launcher (neither compiled nor perl), no seccomp filter for this
// architecture or kernel, no pids cgroup for a task cap, a cgroup that cannot be made or joined.
// A terminal under an isolating policy (strict) refuses to start; otherwise it starts with a
// warning. Also both forms of the launcher, run for real: what they do, their own failure modes,
// and the perl form's handling of perl's environment.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cgroupName,
  cgroupOwner,
  ownerAlive,
  ownerTag,
  persistentCgroupCreator,
  persistentCgroupName,
} from '../src/containment/cgroup-fs';
import { Containment } from '../src/containment/containment';
import {
  candidatePlans,
  chooseLauncher,
  type HostSupport,
  hostSupport,
  LAUNCHER_ENV,
} from '../src/containment/host';
import {
  createNativeLauncher,
  createPerlLauncher,
  findNativeLauncher,
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
const native = findNativeLauncher();

afterEach(() => {
  vi.restoreAllMocks();
});

function spawnFailed(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isOrchflowError(error) && error.code === ErrorCode.SpawnFailed, String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected SpawnFailed');
}

describe('Containment.create where the host lacks something', () => {
  const missing = 'neither the native launcher nor perl is here (test)';
  const noPerl: HostSupport = {
    launcher: undefined,
    launcherMissing: missing,
    injectionGuard: false,
    injectionGuardMissing: missing,
    cgroups: undefined,
    cgroupsMissing: 'the launcher that joins them is missing',
  };
  const noFilter: HostSupport = {
    ...real,
    injectionGuard: false,
    injectionGuardMissing: 'no seccomp filter is built for architecture riscv64',
    cgroups: undefined,
  };

  it('refuses a strict terminal without the launcher, naming what to install', () => {
    const message = spawnFailed(() => Containment.create({ strict: true }, noPerl));
    expect(message).toContain(missing);
    expect(message).toContain("isolationLevel 'none'");
  });

  it('refuses a strict terminal without the seccomp filter', () => {
    const message = spawnFailed(() => Containment.create({ strict: true }, noFilter));
    expect(message).toContain('riscv64');
    expect(message).toContain('dev.tty.legacy_tiocsti=0');
  });

  it('starts a non-strict terminal without them, with one warning each', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const plain = Containment.create({}, noPerl);
    Containment.create({}, noPerl);
    expect(plain.kind).toBe('process-tree');
    expect(plain.injectionGuard).toBe(false);
    expect(plain.wrap({ file: '/bin/sh', args: ['-i'], env: { A: '1' } })).toEqual({
      file: '/bin/sh',
      args: ['-i'],
      env: { A: '1' },
    });
    const unfiltered = Containment.create({}, noFilter);
    const run = unfiltered.wrap({ file: '/bin/sh', args: [], env: {} });
    expect(run.file).toBe(native);
    // No filter handed to the launcher: its first argument is empty.
    expect(run.args[0]).toBe('');
    const messages = warn.mock.calls.map(([message]) => String(message));
    expect(messages.filter((m) => m.includes('without fd hygiene or the TIOCSTI guard'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('without the TIOCSTI guard: no seccomp filter'))).toHaveLength(
      1,
    );
  });

  it('refuses a task cap where there is no pids cgroup', () => {
    const containment = Containment.create({}, noFilter);
    const message = spawnFailed(() => containment.wrap({ file: '/bin/sh', args: [], env: {}, maxTasks: 64 }));
    expect(message).toContain('maxProcesses cannot be enforced');
  });

  it('falls back to process-tree, with a warning, when the cgroup cannot be made', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const broken: HostSupport = {
      ...real,
      cgroups: {
        primary: { version: 2, controllers: [], parent: '/nonexistent/cgroup' },
        method: 'cgroup.kill',
      },
    };
    const containment = Containment.create({}, broken);
    expect(containment.kind).toBe('process-tree');
    expect(String(warn.mock.calls[0]?.[0])).toContain('falls back to process-tree containment');
  });
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
    });
    expect(choose(undefined, notCompiled, false).missing).toMatch(/^neither the native launcher nor perl/);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    Containment.create({}, { ...real, launcherFallback: 'a reason (test)', cgroups: undefined });
    expect(String(warn.mock.calls[0]?.[0])).toContain(
      "perl's launcher, a few ms slower per process: a reason (test)",
    );
  });

  it('reports a missing perl interpreter', () => {
    const launcher = createPerlLauncher('/nonexistent/perl', filterArch());
    expect(probeLauncher(launcher, { cgroupProcs: [], injectionGuard: false })).toContain(
      'cannot run /nonexistent/perl',
    );
  });

  it('refuses a native launcher that someone else could rewrite', () => {
    const root = mkdtempSync(join(tmpdir(), 'orchflow-launcher-'));
    try {
      const copy = join(root, 'native', 'orchflow-launch');
      mkdirSync(join(root, 'native'));
      copyFileSync(native as string, copy);
      chmodSync(copy, 0o755);
      expect(findNativeLauncher([root])).toBe(copy);
      chmodSync(copy, 0o775);
      expect(findNativeLauncher([root])).toBeUndefined();
      chmodSync(copy, 0o644);
      expect(findNativeLauncher([root])).toBeUndefined();
      chmodSync(copy, 0o755);
      chmodSync(join(root, 'native'), 0o777);
      expect(lookUpNativeLauncher([root])).toEqual({
        missing: `${join(root, 'native')} is writable by its group or others`,
        untrusted: true,
      });
      chmodSync(join(root, 'native'), 0o755);
      expect(findNativeLauncher([root])).toBe(copy);
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
      { cgroupProcs: [], injectionGuard },
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
      { cgroupProcs: [], injectionGuard: false },
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
      { cgroupProcs: [], injectionGuard: false },
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
      { cgroupProcs: [], injectionGuard: true },
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
      probeLauncher(make(), { cgroupProcs: ['/nonexistent/cgroup.procs'], injectionGuard: false }),
    ).toMatch(/^cannot join cgroup \/nonexistent\/cgroup\.procs: No such file or directory$/);
  });

  it('fails with its own message when the target cannot run', () => {
    const argv = make().wrap(
      { file: '/nonexistent/shell', args: [], env: {} },
      { cgroupProcs: [], injectionGuard: false },
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
      without.wrap({ file: '/bin/true', args: [], env: {} }, { cgroupProcs: [], injectionGuard: true }),
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

describe('cgroup plans and names', () => {
  const v2 = { version: 2 as const, controllers: [], parent: '/sys/fs/cgroup/unified' };
  const freezer = { version: 1 as const, controllers: ['freezer'], parent: '/sys/fs/cgroup/freezer' };
  const pids = { version: 1 as const, controllers: ['pids'], parent: '/sys/fs/cgroup/pids' };

  it('prefers v2 cgroup.kill, then the v1 freezer, then SIGKILL rounds over v1 pids', () => {
    const methods = (p: Parameters<typeof candidatePlans>[1], hs = [v2, freezer, pids]) =>
      candidatePlans(hs, p).map((plan) => `${plan.primary.parent}:${plan.method}:${plan.pids?.parent}`);
    expect(methods('auto')).toEqual([
      '/sys/fs/cgroup/unified:cgroup.kill:/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/freezer:freezer:/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/pids:signal:/sys/fs/cgroup/pids',
    ]);
    expect(methods('cgroup-v2')).toHaveLength(1);
    expect(methods('cgroup-v1')).toHaveLength(2);
    expect(methods('process-tree')).toEqual([]);
    expect(methods('auto', [])).toEqual([]);
  });

  it('names cgroups after their owner, so only a dead owner’s are reaped', () => {
    const tag = ownerTag() as string;
    expect(tag).toMatch(/^\d+-\d+$/);
    expect(ownerAlive(tag)).toBe(true);
    expect(ownerAlive(`${process.pid}-1`)).toBe(false);
    expect(cgroupOwner(cgroupName(tag))).toBe(tag);
    expect(cgroupOwner(persistentCgroupName(tag))).toBeUndefined();
    expect(persistentCgroupCreator(persistentCgroupName(tag))).toBe(tag);
    expect(persistentCgroupCreator(cgroupName(tag))).toBeUndefined();
    // The pids cgroups of older versions (a bare UUID) are not touched.
    expect(cgroupOwner('orchflow-0b7e3f2a-1234-4c1d-9e8f-123456789abc')).toBeUndefined();
  });
});
