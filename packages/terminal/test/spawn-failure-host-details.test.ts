// A SpawnFailed reaches every client unchanged, remote ones included, so it says what failed and
// what to do without the server's host details: no temp-dir path when the shell integration
// cannot be written (the process out of file descriptors, a TMPDIR that is not a directory), and
// not the server's PATH when a shell is not found. The program name the caller asked for stays.
// In scripted mode, a `shell -c` that cannot be run says why by its code, not by Node's words
// (they name orchflow's launcher, in the server's install directory).
import { closeSync, mkdirSync, mkdtempSync, openSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Containment } from '../src/containment/containment';
import type { HostSupport } from '../src/containment/host';
import { lookUpNativeLauncher } from '../src/containment/launcher';
import { PipeRunner, startPipeHost } from '../src/exec/pipe-runner';
import { OutputPipeline } from '../src/output/pipeline';
import { SHELL_DIR_PREFIX, SHM_DIR } from '../src/shell-integration/base-dir';
import { resolveSpawnOptions } from '../src/spawn-options';
import { Spawner } from '../src/spawner/spawner';
import { Terminal } from '../src/terminal';

// Past this many open files the limit is too high to exhaust in a test (CI's is ~20 000 at most).
const MAX_FDS_TO_OPEN = 200_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchflow-spawn-host-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function rejection(promise: Promise<unknown>): Promise<OrchflowError> {
  const error = await promise.then(
    (terminal) => {
      void (terminal as Terminal).kill();
      throw new Error('the spawn succeeded');
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error)).toBe(true);
  return error as OrchflowError;
}

/** Opens /dev/null until the process is out of file descriptors; undefined past MAX_FDS_TO_OPEN. */
function exhaustFds(): number[] | undefined {
  const held: number[] = [];
  try {
    while (held.length < MAX_FDS_TO_OPEN) held.push(openSync('/dev/null', 'r'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EMFILE') return held;
    for (const fd of held) closeSync(fd);
    throw error;
  }
  for (const fd of held) closeSync(fd);
  return undefined;
}

/** The wire form of `error` holds no path of the server's temp dirs and no errno text with a path. */
function expectNoHostPaths(error: OrchflowError, ...paths: string[]): void {
  const wire = JSON.stringify(error.toJson());
  for (const path of [tmpdir(), SHM_DIR, SHELL_DIR_PREFIX, ...paths]) expect(wire).not.toContain(path);
  expect(wire).not.toMatch(/, open '|, mkdtemp '/);
}

describe('a SpawnFailed names no host path', () => {
  it('the process out of file descriptors (EMFILE): too many open files, what to do, no temp path', async (ctx) => {
    const held = exhaustFds();
    if (!held) return ctx.skip();
    let spawning: Promise<unknown>;
    try {
      // Writing the shell integration is the spawn's first file to open, before its first await:
      // the descriptors are back before anything else in this process needs one.
      spawning = Terminal.spawn({ cwd: dir, shell: 'bash' });
    } finally {
      for (const fd of held) closeSync(fd);
    }
    const error = await rejection(spawning);
    expect(error.codeName).toBe('SpawnFailed');
    expect(error.message).toMatch(
      /^Could not write the terminal's shell integration: too many open files in the server's process \(EMFILE\); end terminals that are no longer needed, or raise the server's open-file limit/,
    );
    expect(error.data).toBeUndefined();
    expectNoHostPaths(error);
    // The fs error, with its path, stays with an in-process caller as the cause.
    expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toBe('EMFILE');
  });

  it('a TMPDIR that is not a directory: says to set TMPDIR, without naming it', async () => {
    const notADir = join(dir, 'operator-private-tmp');
    writeFileSync(notADir, '');
    const before = process.env.TMPDIR;
    let spawning: Promise<unknown>;
    process.env.TMPDIR = notADir;
    try {
      spawning = Terminal.spawn({ cwd: dir, shell: 'bash' });
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    const error = await rejection(spawning);
    expect(error.codeName).toBe('SpawnFailed');
    expect(error.message).toBe(
      "Could not write the terminal's shell integration: the server's temp directory refused it (ENOTDIR); start the server with TMPDIR set to a writable directory",
    );
    expectNoHostPaths(error, notADir);
  });

  it("a shell not found in PATH: names the shell asked for, not the server's PATH", async () => {
    const error = await rejection(Terminal.spawn({ cwd: dir, shell: 'definitely-not-a-shell-xyz' }));
    expect(error.codeName).toBe('SpawnFailed');
    expect(error.message).toBe(
      "Shell 'definitely-not-a-shell-xyz' was not found in PATH on the server; install it there, pass an absolute path, or set PATH in the terminal's env",
    );
    expect(error.data).toEqual({ shell: 'definitely-not-a-shell-xyz' });
    const wire = JSON.stringify(error.toJson());
    for (const entry of (process.env.PATH ?? '').split(':').filter((p) => p.length > 4)) {
      expect(wire).not.toContain(entry);
    }
  });

  it('a shell without integration: named as asked for, not where it was found (relative to the cwd, in PATH)', async () => {
    // `fish-like` stands for any shell orchflow has no integration for, in a project and in a
    // PATH directory under a home.
    const project = mkdtempSync(join(dir, 'shell-names-'));
    mkdirSync(join(project, 'bin'));
    writeFileSync(join(project, 'bin', 'fish-like'), '#!/bin/sh\n', { mode: 0o755 });
    const before = process.cwd();
    process.chdir(dir);
    let errors: OrchflowError[];
    try {
      errors = [
        await rejection(Terminal.spawn({ cwd: basename(project), shell: 'bin/fish-like' })),
        await rejection(
          Terminal.spawn({
            cwd: project,
            shell: 'fish-like',
            env: { PATH: `${join(project, 'bin')}:/usr/bin:/bin` },
          }),
        ),
      ];
    } finally {
      process.chdir(before);
    }
    const [relative, found] = errors;
    expect(relative?.message).toBe(
      "Shell 'bin/fish-like' has no shell integration; use bash, zsh or a POSIX sh, or mode 'scripted'",
    );
    expect(relative?.data).toEqual({ shell: 'bin/fish-like' });
    expect(found?.message).toBe(
      "Shell 'fish-like' has no shell integration; use bash, zsh or a POSIX sh, or mode 'scripted'",
    );
    expect(found?.data).toEqual({ shell: 'fish-like' });
    for (const error of errors) expectNoHostPaths(error, project);
  });

  it("the spawner killed while it starts the shell: says so and to retry, not the spawner's path", async (ctx) => {
    // A first terminal makes the process's spawner run and answer (else a spawner that dies is
    // taken as unusable and node-pty forks the shell instead).
    const first = await Terminal.spawn({ cwd: dir, shell: 'bash' });
    await first.kill();
    const spawner = Spawner.shared();
    if (!spawner) ctx.skip();
    // Its process, private to the class: the test stops it so the request waits, then kills it.
    const pid = (spawner as unknown as { child: { pid: number; spawnfile: string } }).child.pid;
    const path = (spawner as unknown as { child: { spawnfile: string } }).child.spawnfile;
    process.kill(pid, 'SIGSTOP');
    const spawning = Terminal.spawn({ cwd: dir, shell: 'bash' });
    process.kill(pid, 'SIGKILL');
    const error = await rejection(spawning);
    expect(error.codeName).toBe('SpawnFailed');
    expect(error.message).toMatch(
      /^Could not start 'bash' in a PTY: orchflow's process spawner on the server ended before it started the shell \(killed by SIGKILL\); retry: the next terminal starts a new spawner$/,
    );
    expectNoHostPaths(error, path);
    // The spawner's own report, with its path, stays with an in-process caller as the cause.
    expect(String((error.cause as Error | undefined)?.message)).toContain(path);
    // And the next terminal does start.
    const next = await Terminal.spawn({ cwd: dir, shell: 'bash' });
    await next.kill();
  });

  it("a terminal spawned without cwd, the server's own directory removed: says so without its path", async () => {
    // The server runs in a release directory a deploy has since removed: node still reports it
    // as the cwd, and a terminal spawned without cwd would start there.
    const gone = mkdtempSync(join(dir, 'srv-release-'));
    const before = process.cwd();
    process.chdir(gone);
    let spawning: Promise<unknown>;
    try {
      rmdirSync(gone);
      spawning = Terminal.spawn({ shell: 'bash' });
    } finally {
      process.chdir(before);
    }
    const error = await rejection(spawning);
    expect(error.codeName).toBe('SpawnFailed');
    expect(error.message).toBe(
      "The server's own working directory (where a terminal spawned without cwd starts) does not exist; pass a cwd",
    );
    expect(error.data).toBeUndefined();
    expectNoHostPaths(error, gone, dir);
  });

  it('a cwd resolved by the caller (asGiven): named as the caller was given it, not by its resolved path', async () => {
    const resolved = join(dir, 'resolved-away', 'out');
    const error = await rejection(
      Terminal.spawn({ shell: 'bash', cwd: resolved, asGiven: { cwd: 'build/out' } }),
    );
    expect(error.message).toBe("Working directory 'build/out' does not exist; create it or pass another cwd");
    expect(error.data).toEqual({ cwd: 'build/out' });
    expectNoHostPaths(error, resolved);
  });

  it('asGiven of the wrong shape is refused with InvalidParams before anything starts', async () => {
    for (const asGiven of [{ cwd: 5 }, { dir: 'x' }, 'build/out', null]) {
      const error = await rejection(
        Terminal.spawn({ shell: 'bash', asGiven: asGiven as unknown as { cwd?: string } }),
      );
      expect(error.codeName, JSON.stringify(asGiven)).toBe('InvalidParams');
      expect(error.message).toContain('Invalid asGiven');
    }
  });

  it('a relative cwd that does not exist: named as given, not resolved against the server directory', async () => {
    const error = await rejection(Terminal.spawn({ shell: 'bash', cwd: 'no-such-project-dir' }));
    expect(error.message).toBe(
      "Working directory 'no-such-project-dir' does not exist; create it or pass another cwd",
    );
    expect(error.data).toEqual({ cwd: 'no-such-project-dir' });
    expectNoHostPaths(error, process.cwd());
  });
});

describe("scripted mode: a 'shell -c' that cannot be run names no host path", () => {
  const launcher = lookUpNativeLauncher();
  const launcherPath = 'path' in launcher ? launcher.path : undefined;

  /** The wire form of `error` names neither the launcher nor the package it is installed in. */
  function expectNoInstallPath(error: OrchflowError): void {
    const wire = JSON.stringify(error.toJson());
    if (launcherPath) expect(wire).not.toContain(join(launcherPath, '../..'));
    expect(wire).not.toMatch(/orchflow-launch|\bspawn \//);
  }

  it("the terminal's cwd removed: says so by its code, not the launcher's install path", async () => {
    const cwd = mkdtempSync(join(dir, 'scripted-cwd-'));
    const terminal = await Terminal.spawn({ cwd, mode: 'scripted', shell: 'bash' });
    try {
      expect((await terminal.execute('echo ok')).stdout).toBe('ok\n');
      rmdirSync(cwd);
      const error = await terminal.execute('echo ok').then(
        () => {
          throw new Error('the command ran');
        },
        (e: unknown) => e as OrchflowError,
      );
      expect(isOrchflowError(error)).toBe(true);
      expect(error.codeName).toBe('SpawnFailed');
      expect(error.message).toMatch(
        /^Could not run 'bash -c': the terminal's working directory no longer exists \(ENOENT\); recreate it, or spawn a new terminal with another cwd$/,
      );
      expectNoInstallPath(error);
      // The cwd is the caller's own: it stays in data.
      expect(error.data).toEqual({ shell: 'bash', cwd });
      // Node's error, naming the program spawned, stays with an in-process caller as the cause.
      expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
      if (launcherPath) expect(String((error.cause as Error).message)).toContain(launcherPath);
    } finally {
      await terminal.kill();
    }
  });

  it("a shell the server may not execute (EACCES): says so and what to do, without Node's words", async () => {
    // A host without the launcher, so the shell itself is what is spawned (through the
    // launcher, the launcher's exec would fail and the command exit 126 instead).
    const bare: HostSupport = {
      launcher: undefined,
      launcherMissing: 'no launcher (test)',
      injectionGuard: false,
      injectionGuardMissing: 'no launcher (test)',
      cgroups: undefined,
    };
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const shell = join(dir, 'not-executable-sh');
    writeFileSync(shell, '#!/bin/sh\n', { mode: 0o644 });
    const pipeline = new OutputPipeline();
    const runner = new PipeRunner({
      shellPath: shell,
      shellKind: 'sh',
      cwd: dir,
      // The cwd as the terminal's caller gave it: data names it so.
      givenCwd: 'project',
      env: {},
      pipeline,
      containment: Containment.create({}, bare),
    });
    try {
      const error = (await runner.execute('true', {}).catch((e: unknown) => e)) as OrchflowError;
      expect(isOrchflowError(error)).toBe(true);
      expect(error.codeName).toBe('SpawnFailed');
      expect(error.message).toBe(
        `Could not run '${shell} -c': the shell may not be executed by the server's user (EACCES); the server's operator makes it executable, or spawn a new terminal with another shell`,
      );
      expect(error.data).toEqual({ shell, cwd: 'project' });
      expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES');
    } finally {
      await runner.kill();
    }
  });

  it("the process out of file descriptors (EMFILE): says what to raise, not the launcher's path", async (ctx) => {
    const cwd = mkdtempSync(join(dir, 'scripted-emfile-'));
    const { runner } = startPipeHost(resolveSpawnOptions({ cwd, mode: 'scripted', shell: 'bash' }));
    try {
      let running: Promise<unknown> | undefined;
      const held = exhaustFds();
      if (!held) return ctx.skip();
      try {
        // The command's process is spawned before execute() returns.
        running = runner.execute('true', {});
      } finally {
        for (const fd of held) closeSync(fd);
      }
      const error = (await running.catch((e: unknown) => e)) as OrchflowError;
      expect(isOrchflowError(error)).toBe(true);
      expect(error.codeName).toBe('SpawnFailed');
      expect(error.message).toMatch(
        /^Could not run 'bash -c': too many open files in the server's process \(EMFILE\); end terminals that are no longer needed, or raise the server's open-file limit/,
      );
      expectNoInstallPath(error);
      expect((error.cause as NodeJS.ErrnoException | undefined)?.code).toBe('EMFILE');
    } finally {
      await runner.kill();
    }
  });
});
