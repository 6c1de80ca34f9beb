// A sandbox's SpawnFailed reaches remote callers: it names the workspace as the caller gave it
// (else with `~` for the home) and forbidden paths as configured, never the server's home
// directory they expand to nor the directory a relative cwd was resolved against.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOrchflowError, type OrchflowError } from '@orchflow/protocol';
import { Terminal } from '@orchflow/terminal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLaunchWrapper } from '../src/isolation/launch';
import { isRoot } from '../src/isolation/limits';
import { bwrapArgs, sandboxPathNames } from '../src/isolation/sandbox';
import { sandboxDropArgs } from '../src/isolation/sandbox-user';
import type { IsolationSpec } from '../src/isolation/types';
import { unhiddenDir } from './isolation-helpers';

let root: string;
let home: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'orchflow-sandbox-names-'));
  home = join(root, 'home', 'agent');
  mkdirSync(join(home, 'x', 'sub'), { recursive: true });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function spec(workspace: string, forbiddenPaths: string[] = []): IsolationSpec {
  return { level: 'sandbox', limits: {}, network: false, workspace, forbiddenPaths, home };
}

function thrown(run: () => unknown): OrchflowError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(isOrchflowError(error), String(error)).toBe(true);
  return error as OrchflowError;
}

describe('bwrapArgs: a workspace inside a forbidden path', () => {
  it("names both with '~' for the home, as the policy has them, not the home's path", () => {
    // `~/x` as isolationSpecFor expands it.
    const e = thrown(() =>
      bwrapArgs(spec(join(home, 'x', 'sub'), [join(home, 'x')]), { privateDirs: [], newSession: false }),
    );
    expect(e.codeName).toBe('SpawnFailed');
    expect(e.message).toBe(
      "The sandbox workspace '~/x/sub' lies inside the forbidden path '~/x'; pick a cwd outside it or remove it from forbiddenPaths",
    );
    expect(e.data).toEqual({ workspace: '~/x/sub', forbiddenPath: '~/x' });
    expect(JSON.stringify(e.toJson())).not.toContain(home);
  });

  it('names the workspace as the caller gave it, when known', () => {
    const e = thrown(() =>
      bwrapArgs(spec(join(home, 'x', 'sub'), [join(home, 'x')]), {
        privateDirs: [],
        newSession: false,
        named: sandboxPathNames(spec(join(home, 'x', 'sub'), [join(home, 'x')]), 'sub'),
      }),
    );
    expect(e.message).toBe(
      "The sandbox workspace 'sub' lies inside the forbidden path '~/x'; pick a cwd outside it or remove it from forbiddenPaths",
    );
    expect(e.data).toEqual({ workspace: 'sub', forbiddenPath: '~/x' });
  });

  it('leaves a forbidden path outside the home as configured', () => {
    const outside = join(root, 'secret');
    const e = thrown(() =>
      bwrapArgs(spec(join(outside, 'ws'), [outside]), { privateDirs: [], newSession: false }),
    );
    expect(e.data).toEqual({ workspace: join(outside, 'ws'), forbiddenPath: outside });
  });
});

describe("a root orchestrator's sandbox user", () => {
  const user = { uid: 65534, gid: 65534 };

  it('that cannot reach the workspace: the error names the workspace as the caller gave it', () => {
    const closed = unhiddenDir('orchflow-closed-names-');
    try {
      chmodSync(closed, 0o700);
      mkdirSync(join(closed, 'ws'));
      const e = thrown(() =>
        bwrapArgs(spec(join(closed, 'ws')), {
          privateDirs: [],
          newSession: false,
          user,
          named: sandboxPathNames(spec(join(closed, 'ws')), 'ws'),
        }),
      );
      expect(e.message).toMatch(/^the sandbox user \(uid 65534, gid 65534; .*\) cannot reach 'ws': /);
      expect(e.data).toMatchObject({ path: 'ws' });
      expect(JSON.stringify(e.toJson())).not.toContain(join(closed, 'ws'));
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it.runIf(isRoot())(
    'a terminal whose workspace it cannot reach: named as given, interactive and scripted',
    async () => {
      const closed = unhiddenDir('orchflow-closed-names-');
      try {
        chmodSync(closed, 0o700);
        const ws = join(closed, 'ws');
        mkdirSync(ws);
        for (const scripted of [false, true]) {
          const spawning = Terminal.spawn({
            cwd: ws,
            asGiven: { cwd: 'ws' },
            mode: scripted ? 'scripted' : 'interactive',
            launch: createLaunchWrapper(spec(ws), { pty: !scripted }),
          });
          // Scripted mode starts a sandbox per command, so the first command fails.
          const e = await spawning
            .then(async (t) => {
              try {
                return await t.execute('true').then(() => undefined);
              } finally {
                await t.kill();
              }
            })
            .catch((error: unknown) => error as OrchflowError);
          expect(isOrchflowError(e), String(e)).toBe(true);
          expect(e?.message).toMatch(/ cannot reach 'ws': /);
          expect(e?.data).toMatchObject({ path: 'ws' });
        }
      } finally {
        rmSync(closed, { recursive: true, force: true });
      }
    },
  );

  it('whose workspace is gone: a SpawnFailed naming it as given, not Node’s error with its path', (ctx) => {
    const gone = join(root, 'gone');
    const e = thrown(() => sandboxDropArgs(user, gone, [], 'test', (p) => (p === gone ? 'gone' : p)));
    // Without perl, or on a host that cannot drop, the drop refuses before it looks at the directory.
    if (/\bperl\b|cannot drop the sandbox/.test(e.message)) return ctx.skip(e.message);
    expect(e.message).toBe(
      "The terminal's working directory 'gone' no longer exists (ENOENT); recreate it, or spawn a new terminal with another cwd",
    );
    expect(e.data).toEqual({ cwd: 'gone' });
    expect(JSON.stringify(e.toJson())).not.toContain(root);
  });

  it("for which an idmapped mount fails: the drop's reason names the workspace as given too", (ctx) => {
    // procfs has no idmapped mounts: the drop's probe fails there, naming the directory.
    let e: OrchflowError;
    try {
      e = thrown(() => sandboxDropArgs(user, '/proc/sys', [], 'test', (p) => (p === '/proc/sys' ? 'ws' : p)));
    } catch (error) {
      return ctx.skip(String(error));
    }
    if (!/idmapped mount/.test(e.message)) return ctx.skip(e.message);
    expect(e.message).toMatch(/needs 'ws' mapped to it through an idmapped mount, and that failed here: /);
    expect(e.data).toMatchObject({ dirs: ['ws'] });
    expect(JSON.stringify(e.toJson())).not.toContain('/proc/sys');
  });
});
