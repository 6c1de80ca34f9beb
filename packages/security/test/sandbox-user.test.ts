// A root orchestrator's sandbox runs its commands as an unprivileged user (never the host's uid
// 0): checked from the host (/proc/<pid>/status of every process in the terminal), by what that
// uid may not do even where no mount stops it (a sysctl on a writable /proc/sys, files of other
// owners), and by what must keep working (the workspace, written back with its owner; the shell
// integration; scripted mode). Spawns the sandbox cannot serve fail with a SpawnFailed that says
// what to change. No probe changes the host: a sysctl is only written with its current value.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { listProcessTree, type Terminal } from '@orchflow/terminal';
import { afterEach, describe, expect, it } from 'vitest';
import { createLaunchWrapper } from '../src/isolation/launch';
import { isRoot } from '../src/isolation/limits';
import { DEFAULT_SANDBOX_USER, resolveSandboxUser, SANDBOX_USER_ENV } from '../src/isolation/sandbox-user';
import { findExecutable } from '../src/isolation/tools';
import type { IsolationSpec } from '../src/isolation/types';
import { isolatedTerminal, unhiddenDir, workspace } from './isolation-helpers';

const hasBwrap = findExecutable('bwrap') !== undefined;
const inCi = Boolean(process.env.CI);

describe('resolveSandboxUser', () => {
  it('defaults to nobody, takes a configured user first, then uid[:gid] or names from the env', () => {
    expect(resolveSandboxUser(undefined, {})).toEqual(DEFAULT_SANDBOX_USER);
    expect(resolveSandboxUser({ uid: 4100, gid: 4200 }, { [SANDBOX_USER_ENV]: '1:1' })).toEqual({
      uid: 4100,
      gid: 4200,
    });
    expect(resolveSandboxUser(undefined, { [SANDBOX_USER_ENV]: '4100:4200' })).toEqual({
      uid: 4100,
      gid: 4200,
    });
    expect(resolveSandboxUser(undefined, { [SANDBOX_USER_ENV]: '4100' })).toEqual({ uid: 4100, gid: 4100 });
    expect(resolveSandboxUser(undefined, { [SANDBOX_USER_ENV]: 'nobody' })).toEqual({
      uid: 65534,
      gid: 65534,
    });
  });

  it('refuses root, in any spelling, and unknown names', () => {
    for (const value of ['0', '0:0', '4100:0', 'root', 'root:nogroup', 'nobody:root']) {
      expect(() => resolveSandboxUser(undefined, { [SANDBOX_USER_ENV]: value }), value).toThrow(
        /never runs commands as root/,
      );
    }
    expect(() => resolveSandboxUser({ uid: 0, gid: 0 })).toThrow(/never runs commands as root/);
    expect(() => resolveSandboxUser(undefined, { [SANDBOX_USER_ENV]: 'no-such-user-x' })).toThrow(/no user/);
  });
});

/** The Uid line of every process of `t` as the host sees it: `real effective saved fs`. */
function hostUids(t: Terminal): string[] {
  return listProcessTree(t.pid).map((p) => {
    const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
    return `${p.comm} ${/^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).join(' ')}`;
  });
}

describe.runIf(isRoot() && (hasBwrap || inCi))('sandbox user of a root orchestrator', () => {
  const cleanup: string[] = [];
  let term: Terminal | undefined;
  afterEach(async () => {
    await term?.kill();
    term = undefined;
    for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const fresh = (): string => {
    const dir = workspace();
    cleanup.push(dir);
    return dir;
  };

  it('runs every process as nobody, seen from the host, with no capability left', async () => {
    term = await isolatedTerminal({ level: 'sandbox', workspace: fresh() });
    const r = await term.execute(
      'id -u; id -g; id -G; ( sleep 30 & ); grep -E "^Cap(Prm|Eff|Amb)" /proc/self/status',
    );
    expect(r.stdout).toBe(
      '65534\n65534\n65534\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n',
    );
    // The background sleep may not have exec'd yet when the command returns (a loaded machine):
    // until then it carries the shell's name.
    const sleeping = 'sleep 65534 65534 65534 65534';
    let uids = hostUids(term);
    for (let tries = 0; tries < 100 && !uids.includes(sleeping); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      uids = hostUids(term);
    }
    expect(uids).toContain(sleeping);
    expect(uids.filter((line) => !line.endsWith(' 65534 65534 65534 65534'))).toEqual([]);
  });

  it('writes the workspace as its owner: root-owned files stay root-owned, new ones get the owner', async () => {
    const ws = fresh();
    writeFileSync(join(ws, 'mine'), 'old\n', { mode: 0o600 });
    term = await isolatedTerminal({ level: 'sandbox', workspace: ws });
    const r = await term.execute(
      'cat mine && echo new >> mine && mkdir -p d/e && echo x > d/e/f && git init -q g && echo ok',
    );
    expect(r.stdout).toBe('old\nok\n');
    expect(readFileSync(join(ws, 'mine'), 'utf8')).toBe('old\nnew\n');
    for (const path of ['mine', 'd', 'd/e/f', 'g/.git/HEAD']) {
      expect(statSync(join(ws, path)).uid, path).toBe(0);
    }
  });

  it("cannot write files of owners other than the workspace's: they stay the host's", async () => {
    const ws = fresh();
    const other = join(ws, 'other');
    mkdirSync(other, { mode: 0o755 });
    writeFileSync(join(other, 'file'), 'theirs\n', { mode: 0o644 });
    chownSync(join(other, 'file'), 4321, 4321);
    chownSync(other, 4321, 4321);
    term = await isolatedTerminal({ level: 'sandbox', workspace: ws });
    const r = await term.execute(
      '{ echo x >> other/file; } 2>/dev/null; echo "append=$?"; touch other/new 2>/dev/null; echo "create=$?"; cat other/file',
    );
    expect(r.stdout).toBe('append=1\ncreate=1\ntheirs\n');
  });

  it('cannot write a sysctl by its uid alone: EACCES on a writable /proc/sys', () => {
    // The sandbox as built, minus the read-only cover of /proc/sys: only the uid stands in the way.
    const ws = fresh();
    const spec: IsolationSpec = {
      level: 'sandbox',
      limits: {},
      network: false,
      workspace: ws,
      forbiddenPaths: [],
    };
    // Each written with its current value: harmless had the write gone through.
    const knobs = ['kernel/core_pattern', 'vm/swappiness', 'kernel/modprobe', 'vm/overcommit_memory'].filter(
      (k) => statSync(`/proc/sys/${k}`, { throwIfNoEntry: false }) !== undefined,
    );
    const script = [
      'grep -c " /proc/sys " /proc/self/mountinfo',
      ...knobs.map((k) => `f=/proc/sys/${k}; v=$(cat $f); printf "%s\\n" "$v" > $f`),
      'id -u',
    ].join('; ');
    const run = createLaunchWrapper(spec, { pty: false }).wrap({
      file: '/bin/bash',
      args: ['-c', script],
      env: { PATH: '/usr/bin:/bin' },
      cwd: ws,
      privateDirs: [],
    });
    const args = [...run.args];
    const cover = args.findIndex((a, i) => a === '--ro-bind' && args[i + 1] === '/proc/sys');
    expect(cover).toBeGreaterThan(0);
    args.splice(cover, 3);
    const before = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const r = spawnSync(run.file, args, { env: run.env, cwd: ws, encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toBe('0\n65534\n');
    expect(knobs).toContain('kernel/core_pattern');
    expect(r.stderr).toBe(
      knobs.map((k) => `/bin/bash: line 1: /proc/sys/${k}: Permission denied\n`).join(''),
    );
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
  });

  it('runs as a configured user, in scripted mode too', async () => {
    term = await isolatedTerminal(
      { level: 'sandbox', workspace: fresh(), sandboxUser: { uid: 4242, gid: 4343 } },
      true,
    );
    const r = await term.execute('id -u; id -g; echo hi > f; cat f');
    expect(r.stdout).toBe('4242\n4343\nhi\n');
  });

  it('needs no idmapped mount for a workspace the sandbox user owns', async () => {
    const ws = fresh();
    chownSync(ws, 65534, 65534);
    term = await isolatedTerminal({ level: 'sandbox', workspace: ws });
    const r = await term.execute('echo hi > f && cat f');
    expect(r.stdout).toBe('hi\n');
    expect(statSync(join(ws, 'f')).uid).toBe(65534);
  });

  it('serves a workspace below a directory only root may enter, in a directory the sandbox hides', async () => {
    // A 0700 temp dir (or home) above the workspace: bwrap binds the staged clone, and inside
    // the sandbox the path runs through its own /tmp.
    const closed = fresh();
    chmodSync(closed, 0o700);
    const ws = join(closed, 'ws');
    mkdirSync(ws);
    term = await isolatedTerminal({ level: 'sandbox', workspace: ws });
    const r = await term.execute('pwd; echo hi > f; cat f; id -u');
    expect(r.stdout).toBe(`${ws}\nhi\n65534\n`);
    expect(statSync(join(ws, 'f')).uid).toBe(0);
  });

  it('refuses a workspace the sandbox user cannot reach, saying what to do', async () => {
    const closed = unhiddenDir('orchflow-closed-');
    cleanup.push(closed);
    chmodSync(closed, 0o700);
    const ws = join(closed, 'ws');
    mkdirSync(ws);
    const error = await isolatedTerminal({ level: 'sandbox', workspace: ws }).then(
      (t) => {
        term = t;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(isOrchflowError(error) && error.code).toBe(ErrorCode.SpawnFailed);
    expect((error as Error).message).toContain(`chmod o+x ${closed}`);
    expect((error as Error).message).toContain('uid 65534');
  });

  it('leaves out the cover of a forbidden path the sandbox user cannot reach anyway', async () => {
    const closed = unhiddenDir('orchflow-closed-');
    cleanup.push(closed);
    chmodSync(closed, 0o700);
    mkdirSync(join(closed, 'secret'));
    writeFileSync(join(closed, 'secret', 'key'), 'k\n');
    term = await isolatedTerminal({
      level: 'sandbox',
      workspace: fresh(),
      forbiddenPaths: [join(closed, 'secret')],
    });
    const r = await term.execute(`cat ${closed}/secret/key 2>/dev/null; echo "rc=$?"`);
    expect(r.stdout).toBe('rc=1\n');
  });
});
