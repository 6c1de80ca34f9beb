import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { containerRunArgs, requireContainerEngine } from '../src/isolation/container';
import { scrubEnv } from '../src/isolation/environment';
import { prlimitArgs } from '../src/isolation/limits';
import { bwrapArgs } from '../src/isolation/sandbox';
import { findExecutable, requireTool } from '../src/isolation/tools';
import type { IsolationSpec } from '../src/isolation/types';

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
    // Outside /tmp, /home and /run, which are hidden anyway (root's home is /root).
    const home = mkdtempSync('/var/tmp/orchflow-home-');
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
    expect(hidden({ ...sandbox, workspace: '/var/tmp' })).not.toContain(home);
  });

  it('keeps the network when allowed and omits --new-session for a PTY shell', () => {
    const args = bwrapArgs({ ...spec, network: true }, { privateDirs: [], newSession: false });
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--new-session');
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
