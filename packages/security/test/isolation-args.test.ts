import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { containerRunArgs, requireContainerEngine } from '../src/isolation/container';
import { scrubEnv } from '../src/isolation/environment';
import { prlimitArgs } from '../src/isolation/limits';
import { bwrapArgs } from '../src/isolation/sandbox';
import { kernelFsArgs, SANDBOX_TMP_MB } from '../src/isolation/sandbox-kernel';
import { findExecutable, requireTool } from '../src/isolation/tools';
import type { IsolationSpec } from '../src/isolation/types';
import { unhiddenDir } from './isolation-helpers';

const MIB = 1024 * 1024;

const spec: IsolationSpec = {
  level: 'container',
  limits: { maxMemoryMb: 256, maxProcesses: 64, maxCpuSeconds: 10, maxFileSizeMb: 1, maxOpenFiles: 128 },
  network: false,
  workspace: '/work/ws',
  forbiddenPaths: [],
};

describe('prlimitArgs', () => {
  it('maps every limit and always disables core dumps', () => {
    expect(prlimitArgs(spec.limits, true)).toEqual([
      '--core=0',
      `--as=${256 * 1024 * 1024}`,
      '--cpu=10:11',
      `--fsize=${1024 * 1024}`,
      '--nofile=128',
      '--nproc=64',
    ]);
    expect(prlimitArgs(spec.limits, false)).not.toContain('--nproc=64');
  });
});

describe('bwrapArgs', () => {
  it('builds a read-only root, private dirs, namespaces and no capabilities', () => {
    const args = bwrapArgs(
      { ...spec, level: 'sandbox' },
      { privateDirs: ['/tmp/orchflow-sh-x'], newSession: true },
    ).join(' ');
    expect(args).toContain('--ro-bind / /');
    for (const dir of ['/tmp', '/home', '/run']) expect(args).toContain(`--tmpfs ${dir}`);
    expect(args).toContain('--bind /work/ws /work/ws');
    expect(args).toContain('--ro-bind /tmp/orchflow-sh-x /tmp/orchflow-sh-x');
    for (const flag of [
      '--unshare-pid',
      '--unshare-net',
      '--new-session',
      '--die-with-parent',
      '--cap-drop ALL',
    ]) {
      expect(args).toContain(flag);
    }
  });

  it('hides the real home and /root unless one holds the workspace', () => {
    // Outside /tmp, /var/tmp, /home and /run, which are hidden anyway (root's home is /root).
    const home = unhiddenDir('orchflow-home-');
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const sandbox = { ...spec, level: 'sandbox' as const, home };
    const hidden = (s: IsolationSpec): string[] =>
      bwrapArgs(s, { privateDirs: [], newSession: false }).flatMap((a, i, all) =>
        a === '--tmpfs' ? [all[i + 1] as string] : [],
      );
    expect(hidden(sandbox)).toEqual(expect.arrayContaining([home, '/root']));
    // A workspace inside the home reappears on top of the hidden home: bound after its tmpfs.
    const inside = join(home, 'project');
    mkdirSync(inside);
    const args = bwrapArgs({ ...sandbox, workspace: inside }, { privateDirs: [], newSession: false });
    expect(args.indexOf(inside)).toBeGreaterThan(args.indexOf(home));
    // A home inside the workspace stays visible (it is part of the workspace).
    expect(hidden({ ...sandbox, workspace: dirname(home) })).not.toContain(home);
  });

  it('keeps the network when allowed and omits --new-session for a PTY shell', () => {
    const args = bwrapArgs({ ...spec, network: true }, { privateDirs: [], newSession: false });
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--new-session');
  });

  it('sizes every private tmpfs: /tmp by maxTmpfsMb (default 512 MiB), the others at most 64 MiB', () => {
    const sizes = (limits: IsolationSpec['limits']): Record<string, number> => {
      const args = bwrapArgs({ ...spec, limits, home: '/root' }, { privateDirs: [], newSession: false });
      const out: Record<string, number> = {};
      args.forEach((a, i) => {
        if (a === '--tmpfs') {
          // Every tmpfs but a forbidden path's mode-000 one is sized.
          expect(args[i - 2]).toBe('--size');
          out[args[i + 1] as string] = Number(args[i - 1]) / MIB;
        }
      });
      return out;
    };
    const small = { '/dev/shm': 64, '/var/tmp': 64, '/home': 64, '/run': 64, '/root': 64 };
    expect(sizes({})).toMatchObject({ '/tmp': SANDBOX_TMP_MB, ...small });
    expect(SANDBOX_TMP_MB).toBe(512);
    expect(sizes({ maxTmpfsMb: 1024 })).toMatchObject({ '/tmp': 1024, ...small });
    expect(sizes({ maxTmpfsMb: 8 })).toMatchObject({ '/tmp': 8, '/dev/shm': 8, '/var/tmp': 8, '/run': 8 });
  });

  it('makes /proc knobs read-only where the kernel has them, masks host state, hides /sys', () => {
    const present = new Set(['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/keys']);
    const args = kernelFsArgs(MIB, (p) => present.has(p)).join(' ');
    expect(args).toContain('--ro-bind /proc/sys /proc/sys');
    expect(args).toContain('--ro-bind /proc/sysrq-trigger /proc/sysrq-trigger');
    expect(args).toContain('--ro-bind /dev/null /proc/keys');
    // bubblewrap cannot make a mount point in procfs: what this kernel lacks is left out.
    expect(args).not.toContain('/proc/acpi');
    expect(args).not.toContain('/proc/timer_list');
    expect(args).toMatch(/--proc \/proc .*--ro-bind \/proc\/sys/);
    expect(args).toContain(`--size 4096 --tmpfs /sys`);
  });

  it('remounts /dev and /sys read-only after every other mount, and makes the shell PID 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-forbid-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'token');
    writeFileSync(file, 'x');
    const args = bwrapArgs({ ...spec, forbiddenPaths: [file] }, { privateDirs: [], newSession: false });
    const lastMount = args.lastIndexOf(file);
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(lastMount);
    expect(args.join(' ')).toContain('--remount-ro /dev --remount-ro /sys');
    expect(args.join(' ')).toContain('--unshare-pid --as-pid-1');
  });
});

describe('containerRunArgs', () => {
  it('runs with limits, no network, no capabilities and the workspace mounted', () => {
    const args = containerRunArgs(spec, {
      name: 'orchflow-1',
      command: ['bash', '-i'],
      env: { A: '1' },
      tty: true,
    });
    expect(args.slice(0, 7)).toEqual(['run', '--rm', '-i', '-t', '--init', '--name', 'orchflow-1']);
    const text = args.join(' ');
    for (const part of [
      '--network none',
      '--cap-drop ALL',
      '--security-opt no-new-privileges',
      '--read-only',
      '--memory 256m',
      '--memory-swap 256m',
      '--pids-limit 64',
      '--ulimit cpu=10:11',
      `--ulimit fsize=${1024 * 1024}:${1024 * 1024}`,
      '--ulimit nofile=128:128',
      '--ulimit core=0',
      '-v /work/ws:/work/ws:rw',
      '-w /work/ws',
      '-e A=1',
    ]) {
      expect(text).toContain(part);
    }
    expect(args.slice(-3)).toEqual(['debian:bookworm-slim', 'bash', '-i']);
    expect(text).toContain('--tmpfs /tmp:rw,nosuid,nodev ');
    const sized = { ...spec, limits: { maxTmpfsMb: 100 } };
    expect(containerRunArgs(sized, { name: 'n', command: ['sh'], env: {}, tty: false })).toContain(
      '/tmp:rw,nosuid,nodev,size=100m',
    );
    expect(
      containerRunArgs({ ...spec, network: true }, { name: 'n', command: ['sh'], env: {}, tty: false }),
    ).toContain('bridge');
  });

  it('fails with a clear error when no container engine answers', () => {
    let engineAnswers = true;
    try {
      requireContainerEngine();
    } catch (error) {
      engineAnswers = false;
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.SpawnFailed);
      expect((error as Error).message).toMatch(
        /needs a running container engine.*Install and start podman or docker/,
      );
    }
    // Only a host with a running engine gets here without the error.
    if (engineAnswers) expect(findExecutable('docker') ?? findExecutable('podman')).toBeDefined();
  });
});

describe('tools and environment', () => {
  it('names the package to install when a tool is missing', () => {
    expect(() => requireTool('orchflow-no-such-tool', "isolationLevel 'sandbox'")).toThrow(
      /isolationLevel 'sandbox' needs 'orchflow-no-such-tool'.*install/,
    );
    try {
      requireTool('orchflow-no-such-tool', 'x');
    } catch (error) {
      expect(isOrchflowError(error) && error.code).toBe(ErrorCode.SpawnFailed);
    }
  });

  it('scrubs the environment down to the shell essentials and the caller’s own variables', () => {
    const env = scrubEnv({ PATH: '/bin', AWS_SECRET_ACCESS_KEY: 'x', LC_ALL: 'C', MINE: '1', PAGER: 'cat' }, [
      'MINE',
    ]);
    expect(env).toEqual({ PATH: '/bin', LC_ALL: 'C', MINE: '1', PAGER: 'cat' });
  });
});
