// Where containment cannot be had: no launcher (neither compiled nor perl), no seccomp filter for this
// architecture or kernel, no pids cgroup for a task cap, a cgroup that cannot be made or joined.
// A terminal under an isolating policy (strict) refuses to start; otherwise it starts with a
// warning. The launcher itself, in both its forms, is tested in launcher.test.ts.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { CgroupPlan } from '../src/containment/cgroup';
import {
  type CgroupHierarchy,
  cgroupName,
  cgroupOwner,
  discoverHierarchies,
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
  launcherSupport,
} from '../src/containment/host';
import { findPerl, lookUpNativeLauncher } from '../src/containment/launcher';
import { filterArch } from '../src/containment/seccomp-filter';

const real = hostSupport();

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
    launcherMissingForCaller: missing,
    injectionGuard: false,
    injectionGuardMissing: missing,
    injectionGuardMissingForCaller: missing,
    cgroups: undefined,
    cgroupsMissing: 'the launcher that joins them is missing',
  };
  const noFilter: HostSupport = {
    ...real,
    injectionGuard: false,
    injectionGuardMissing: 'no seccomp filter is built for architecture riscv64',
    injectionGuardMissingForCaller: 'no seccomp filter is built for architecture riscv64',
    cgroups: undefined,
  };

  it('refuses a strict terminal without the launcher, saying why and how to do without', () => {
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
    expect(run.file).toBe(real.launcher?.program);
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

  it('a task cap whose pids.max may not be written (v2, pids not enabled): says why by its code, no cgroup path', async (ctx) => {
    // A real cgroup v2 hierarchy without the pids controller: its cgroups have no pids.max, and
    // the cgroup file system refuses to create one (EACCES), as where the pids controller was
    // not delegated.
    const v2 = discoverHierarchies().find((h) => h.version === 2 && !h.controllers.includes('pids'));
    if (!v2 || !real.cgroups) return ctx.skip();
    const host: HostSupport = { ...real, cgroups: { ...(real.cgroups as CgroupPlan), pids: v2 } };
    let containment: Containment;
    try {
      containment = Containment.create({}, host);
    } catch {
      return ctx.skip();
    }
    if (containment.kind !== 'cgroup') ctx.skip();
    try {
      let error: unknown;
      try {
        containment.wrap({ file: '/bin/sh', args: [], env: {}, maxTasks: 64 });
      } catch (e) {
        error = e;
      }
      expect(isOrchflowError(error) && error.code === ErrorCode.SpawnFailed, String(error)).toBe(true);
      const failure = error as OrchflowError;
      expect(failure.message).toContain(
        "no writable pids cgroup is available (the terminal's pids.max may not be written (EACCES): the cgroup is not delegated to the server's user, or the pids controller is not enabled in it)",
      );
      const wire = JSON.stringify(failure.toJson());
      for (const path of ['/sys/fs/cgroup', v2.parent, real.cgroups?.primary.parent ?? '/sys']) {
        expect(wire).not.toContain(path);
      }
      expect(wire).not.toMatch(/permission denied, open/);
      expect(failure.data).toEqual({ maxProcesses: 64, mode: 'auto' });
      // The OS error, with the cgroup's path, stays with an in-process caller as the cause.
      expect((failure.cause as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES');
      expect(String((failure.cause as Error | undefined)?.message)).toContain(v2.parent);
    } finally {
      await containment.destroy();
    }
  });

  it("a task cap where the host has no cgroup: says so without the probe's cgroup paths", () => {
    const containment = Containment.create(
      {},
      {
        ...noFilter,
        cgroupsMissing:
          'cannot create a cgroup under /sys/fs/cgroup/operator-slice: EACCES: permission denied',
      },
    );
    let error: unknown;
    try {
      containment.wrap({ file: '/bin/sh', args: [], env: {}, maxTasks: 64 });
    } catch (e) {
      error = e;
    }
    const wire = JSON.stringify((error as OrchflowError).toJson());
    expect(wire).toContain("the server's host gives this terminal no cgroup");
    expect(wire).not.toContain('operator-slice');
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

describe('a strict terminal whose native launcher cannot be used names no install path', () => {
  const installed = lookUpNativeLauncher();
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** A package root in a temp dir whose `native/orchflow-launch` `write` makes. */
  function packageWith(write: (launcher: string) => void): string {
    const root = mkdtempSync(join(tmpdir(), 'orchflow-install-'));
    roots.push(root);
    mkdirSync(join(root, 'native'), { mode: 0o755 });
    write(join(root, 'native', 'orchflow-launch'));
    return root;
  }

  /** A package root whose launcher is the shell script `body`. */
  function packageWithScript(body: string): string {
    return packageWith((launcher) => writeFileSync(launcher, `#!/bin/sh\n${body}\n`, { mode: 0o755 }));
  }

  /** Containment.create's SpawnFailed for a strict terminal where ORCHFLOW_LAUNCHER=native finds `root`'s launcher. */
  function strictFailure(root: string): OrchflowError {
    const arch = filterArch();
    const chosen = chooseLauncher('native', arch, { native: lookUpNativeLauncher([root]), perl: findPerl() });
    const host: HostSupport = { ...launcherSupport(chosen, arch), cgroups: undefined };
    try {
      Containment.create({ strict: true }, host);
    } catch (error) {
      expect(isOrchflowError(error) && error.code === ErrorCode.SpawnFailed, String(error)).toBe(true);
      return error as OrchflowError;
    }
    throw new Error('expected SpawnFailed');
  }

  /** Neither the message nor the data names `root`; the cause, for an in-process caller, does. */
  function expectInstallPathInCauseOnly(error: OrchflowError, root: string): void {
    expect(JSON.stringify(error.toJson())).not.toContain(root);
    expect(String((error.cause as Error | undefined)?.message)).toContain(
      join(root, 'native', 'orchflow-launch'),
    );
  }

  it('a launcher others may rewrite: says it is not safe to run and what the operator does', (ctx) => {
    if (!('path' in installed)) return ctx.skip();
    const root = packageWith((launcher) => {
      copyFileSync(installed.path, launcher);
      chmodSync(launcher, 0o775);
    });
    const error = strictFailure(root);
    expect(error.message).toBe(
      "The security policy needs orchflow's launcher (it closes the orchestrator's file descriptors and blocks TIOCSTI) but orchflow's native launcher on the server is not safe to run (it or its directory may be written by others than root and the server's user, or it is not an executable file); the server's operator reinstalls @orchflow/terminal, or takes the write permission of group and others from both (chmod go-w), or unsets ORCHFLOW_LAUNCHER=native so that perl's launcher is used; or run the terminal without an isolating security policy (isolationLevel 'none')",
    );
    expect(error.data).toEqual({
      reason: expect.stringMatching(/^orchflow's native launcher on the server is not safe/),
    });
    expectInstallPathInCauseOnly(error, root);
  });

  it('a launcher that does not run here (its libraries missing): says how it ended, not what was printed', () => {
    // As the dynamic loader fails a binary built against libraries this host lacks: it prints
    // the binary's path and exits 127 before the launcher's own code runs.
    const root = packageWithScript(
      'echo "$0: error while loading shared libraries: libseccomp.so.2: cannot open shared object file: No such file or directory" >&2; exit 127',
    );
    const error = strictFailure(root);
    expect(error.message).toBe(
      "The security policy needs orchflow's launcher (it closes the orchestrator's file descriptors and blocks TIOCSTI) but orchflow's native launcher does not run on the server's host (it exited with 127); the server's operator compiles it there (a C compiler, then `npm rebuild @orchflow/terminal`), or unsets ORCHFLOW_LAUNCHER=native so that perl's launcher is used; or run the terminal without an isolating security policy (isolationLevel 'none')",
    );
    expectInstallPathInCauseOnly(error, root);
    // What was printed stays with the cause.
    expect(JSON.stringify(error.toJson())).not.toContain('shared libraries');
    expect(String((error.cause as Error).message)).toContain('error while loading shared libraries');
  });

  it('a launcher that fails to install the seccomp filter, printing its own path: says how it ended', () => {
    // Runs its target as orchflow-launch would (FILTER N [CGROUP-FILE...] PROGRAM…, no cgroup
    // files in a probe), but fails when given a filter, as a crash or a loader would: naming itself.
    const root = packageWithScript(
      'if [ -n "$1" ]; then echo "$0: cannot load the filter" >&2; exit 126; fi; shift 2; exec "$@"',
    );
    const error = strictFailure(root);
    expect(error.message).toBe(
      "The security policy needs TIOCSTI/TIOCLINUX blocked, but the seccomp filter cannot be installed here: it exited with 126; or run the terminal without an isolating security policy (isolationLevel 'none'), or set the sysctl dev.tty.legacy_tiocsti=0 and use a kernel with seccomp",
    );
    expect(error.data).toEqual({ reason: 'it exited with 126' });
    expectInstallPathInCauseOnly(error, root);
  });
});

describe('cgroup plans and names', () => {
  const v2 = { version: 2 as const, controllers: [], parent: '/sys/fs/cgroup/unified' };
  const freezer = { version: 1 as const, controllers: ['freezer'], parent: '/sys/fs/cgroup/freezer' };
  const pids = { version: 1 as const, controllers: ['pids'], parent: '/sys/fs/cgroup/pids' };

  const methods = (p: Parameters<typeof candidatePlans>[1], hs: CgroupHierarchy[] = [v2, freezer, pids]) =>
    candidatePlans(hs, p).map((plan) => `${plan.primary.parent}:${plan.method}:${plan.pids?.parent}`);

  it('prefers the v1 freezer on a hybrid host (joined without the migration lock), then v2, then SIGKILL rounds', () => {
    expect(methods('auto')).toEqual([
      '/sys/fs/cgroup/freezer:freezer:/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/unified:cgroup.kill:/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/pids:signal:/sys/fs/cgroup/pids',
    ]);
    expect(methods('cgroup-v2')).toHaveLength(1);
    expect(methods('cgroup-v1')).toHaveLength(2);
    expect(methods('process-tree')).toEqual([]);
    expect(methods('auto', [])).toEqual([]);
  });

  it('keeps v2 first where joining it is as cheap (favordynmods) or it offers a cap the v1 plan lacks', () => {
    const fast = { ...v2, favordynmods: true };
    expect(methods('auto', [fast, freezer, pids])[0]).toBe(
      '/sys/fs/cgroup/unified:cgroup.kill:/sys/fs/cgroup/pids',
    );
    // pids on v2 (then not mounted on v1): the freezer plan would have no pids.max.
    const v2pids = { ...v2, controllers: ['pids'] };
    expect(methods('auto', [v2pids, freezer])[0]).toBe(
      '/sys/fs/cgroup/unified:cgroup.kill:/sys/fs/cgroup/unified',
    );
    const memory = { version: 1 as const, controllers: ['memory'], parent: '/sys/fs/cgroup/memory' };
    const v2memory = { ...v2, controllers: ['memory'] };
    expect(methods('auto', [v2memory, freezer, pids])[0]).toBe(
      '/sys/fs/cgroup/unified:cgroup.kill:/sys/fs/cgroup/pids',
    );
    expect(methods('auto', [v2, freezer, pids, memory])[0]).toBe(
      '/sys/fs/cgroup/freezer:freezer:/sys/fs/cgroup/pids',
    );
    expect(methods('auto', [v2])).toEqual(['/sys/fs/cgroup/unified:cgroup.kill:undefined']);
    // Before Linux 6.0 the lock-free join is not known to hold: v2 stays first.
    const old = candidatePlans([v2, freezer, pids], 'auto', '5.15.0-91-generic')[0];
    expect(old?.method).toBe('cgroup.kill');
    expect(candidatePlans([v2, freezer, pids], 'auto', '6.1.0-18-amd64')[0]?.method).toBe('freezer');
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
