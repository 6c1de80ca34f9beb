// A SpawnFailed reaches every client unchanged, remote ones included, so it says what failed and
// what to do without the server's host details: no temp-dir path when the shell integration
// cannot be written (the process out of file descriptors, a TMPDIR that is not a directory), and
// not the server's PATH when a shell is not found. The program name the caller asked for stays.
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELL_DIR_PREFIX, SHM_DIR } from '../src/shell-integration/base-dir';
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

/** The wire form of `error` holds no path of the server's temp dirs and no errno text with a path. */
function expectNoHostPaths(error: OrchflowError, ...paths: string[]): void {
  const wire = JSON.stringify(error.toJson());
  for (const path of [tmpdir(), SHM_DIR, SHELL_DIR_PREFIX, ...paths]) expect(wire).not.toContain(path);
  expect(wire).not.toMatch(/, open '|, mkdtemp '/);
}

describe('a SpawnFailed names no host path', () => {
  it('the process out of file descriptors (EMFILE): too many open files, what to do, no temp path', async (ctx) => {
    const held: number[] = [];
    let spawning: Promise<unknown>;
    try {
      for (;;) {
        if (held.length >= MAX_FDS_TO_OPEN) ctx.skip();
        try {
          held.push(openSync('/dev/null', 'r'));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EMFILE') break;
          throw error;
        }
      }
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
      /^Could not start '\/\S*bash' in a PTY: orchflow's process spawner on the server ended before it started the shell \(killed by SIGKILL\); retry: the next terminal starts a new spawner$/,
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

  it('a relative cwd that does not exist: named as given, not resolved against the server directory', async () => {
    const error = await rejection(Terminal.spawn({ shell: 'bash', cwd: 'no-such-project-dir' }));
    expect(error.message).toBe(
      "Working directory 'no-such-project-dir' does not exist; create it or pass another cwd",
    );
    expect(error.data).toEqual({ cwd: 'no-such-project-dir' });
    expectNoHostPaths(error, process.cwd());
  });
});
