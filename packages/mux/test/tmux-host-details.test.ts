// A tmux failure reaches every client as a SpawnFailed, remote ones included, so it says what
// failed and what to do without tmux's own words, which name the server's socket path: a
// socketPath whose directory is a file, a TMUX_TMPDIR that is a file. What tmux said stays the
// error's cause for an in-process caller.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TmuxBackend } from '../src/index';

const SOCKET_ADVICE =
  "its socket on the server cannot be used (ENOTDIR); the server's operator points the backend's socket (socketPath, or socketName under TMUX_TMPDIR) at a directory the server's user may write, or removes a stale socket there";

const dir = mkdtempSync(join(tmpdir(), 'orchflow-tmux-host-'));
// A file where tmux expects a directory.
const notADir = join(dir, 'operator-private-runtime');
writeFileSync(notADir, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let backend: TmuxBackend | undefined;
afterEach(async () => {
  await backend?.dispose();
  backend = undefined;
});

async function spawnFailure(b: TmuxBackend): Promise<OrchflowError> {
  const error = await b.createSession({ id: 'x', agentId: 'a', config: { cwd: dir } }).then(
    () => {
      throw new Error('the session started');
    },
    (e: unknown) => e,
  );
  expect(isOrchflowError(error)).toBe(true);
  const failure = error as OrchflowError;
  expect(failure.codeName).toBe('SpawnFailed');
  const wire = JSON.stringify(failure.toJson());
  expect(wire).not.toContain(notADir);
  expect(wire).not.toMatch(/Not a directory|error connecting to|couldn't create directory/);
  return failure;
}

describe("a tmux failure names none of the server's paths", () => {
  it('a socketPath whose directory is a file: its socket cannot be used (ENOTDIR), what to do', async () => {
    backend = new TmuxBackend({ socketPath: join(notADir, 'orchflow.sock') });
    const error = await spawnFailure(backend);
    expect(error.message).toBe(`tmux failed: ${SOCKET_ADVICE}`);
    // tmux's own words, with the path, stay with an in-process caller.
    expect(String((error.cause as Error | undefined)?.message)).toContain(notADir);
  });

  it('a TMUX_TMPDIR that is a file, with the default socket name: the same, without the directory', async () => {
    const before = process.env.TMUX_TMPDIR;
    process.env.TMUX_TMPDIR = notADir;
    try {
      backend = new TmuxBackend({ socketName: `orchflow-host-${process.pid}` });
      const error = await spawnFailure(backend);
      expect(error.message).toBe(`tmux failed: ${SOCKET_ADVICE}`);
      expect(String((error.cause as Error | undefined)?.message)).toContain(notADir);
    } finally {
      if (before === undefined) delete process.env.TMUX_TMPDIR;
      else process.env.TMUX_TMPDIR = before;
    }
  });
});
