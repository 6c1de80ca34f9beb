// A spawn guard passes a restrictive policy's terminal its cwd's real path (what it checked), but
// an error about that cwd after the guard (it does not exist, is not a directory, the scripted
// shell cannot start there) still names it as the caller gave it: the real path is the server's
// own directory a relative cwd resolves against, or where a symlink leads — here under the home.
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type TerminalConfig } from '@orchflow/protocol';
import type { SecurityPolicyInput } from '@orchflow/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/index';
import { expectCode, rejection } from './helpers';

// The server runs in `server`, a directory under its user's home `home`; nothing here may be named.
let root: string;
let home: string;
let server: string;
const before = { home: process.env.HOME, cwd: process.cwd() };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'orchflow-cwd-given-'));
  home = join(root, 'home', 'agent');
  server = join(home, 'srv');
  mkdirSync(join(server, 'build'), { recursive: true });
  writeFileSync(join(server, 'build', 'file'), 'not a directory\n');
  process.env.HOME = home;
  process.chdir(server);
});

afterAll(() => {
  process.chdir(before.cwd);
  if (before.home === undefined) delete process.env.HOME;
  else process.env.HOME = before.home;
  rmSync(root, { recursive: true, force: true });
});

const POLICIES: [string, SecurityPolicyInput][] = [
  ['an allowlist', { allowedCommands: ['ls', 'echo'] }],
  ['sandbox isolation', { isolationLevel: 'sandbox' }],
];

/** The SpawnFailed spawning with `config` under `policy`, with what a remote caller sees of it. */
async function spawnFailure(
  policy: SecurityPolicyInput,
  config: TerminalConfig,
): Promise<{ message: string; data: unknown; wire: string }> {
  const orch = Orchestrator.builder().withSecurityPolicy(policy).build();
  try {
    const e = expectCode(await rejection(orch.spawnTerminal('agent', config)), ErrorCode.SpawnFailed);
    return { message: e.message, data: e.data, wire: JSON.stringify({ message: e.message, data: e.data }) };
  } finally {
    await orch.shutdown();
  }
}

describe("a spawn's cwd after the guard is named as the caller gave it", () => {
  for (const [label, policy] of POLICIES) {
    for (const mode of ['interactive', 'scripted'] as const) {
      it(`under ${label}, ${mode}: a relative cwd that does not exist, or is a file`, async () => {
        const missing = await spawnFailure(policy, { cwd: 'build/out', mode });
        expect(missing.message).toBe(
          "Working directory 'build/out' does not exist; create it or pass another cwd",
        );
        expect(missing.data).toMatchObject({ cwd: 'build/out' });
        const file = await spawnFailure(policy, { cwd: 'build/file', mode });
        expect(file.message).toBe("Working directory 'build/file' is not a directory");
        expect(file.data).toMatchObject({ cwd: 'build/file' });
        for (const { wire } of [missing, file]) {
          expect(wire).not.toContain(server);
          expect(wire).not.toContain(home);
        }
      });
    }
  }

  it('a symlink to a file: named by the link, not where it leads (under the home)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'orchflow-cwd-link-'));
    try {
      const link = join(ws, 'project');
      symlinkSync(join(server, 'build', 'file'), link);
      for (const [, policy] of POLICIES) {
        const e = await spawnFailure(policy, { cwd: link });
        expect(e.message).toBe(`Working directory '${link}' is not a directory`);
        expect(e.data).toMatchObject({ cwd: link });
        expect(e.wire).not.toContain(home);
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it("scripted mode, the cwd removed after the spawn: the command's SpawnFailed names it as given", async () => {
    for (const [, policy] of [...POLICIES, ['no restriction', {}] as const]) {
      mkdirSync(join(server, 'work'));
      const orch = Orchestrator.builder().withSecurityPolicy(policy).build();
      try {
        const term = await orch.spawnTerminal('agent', { cwd: 'work', mode: 'scripted' });
        expect((await term.execute('echo ok')).stdout).toBe('ok\n');
        rmdirSync(join(server, 'work'));
        const e = expectCode(await rejection(term.execute('echo ok')), ErrorCode.SpawnFailed);
        // Said by the shell's spawn, or (a root orchestrator's sandbox) by the drop to its user.
        expect(e.message).toMatch(/the terminal's working directory ('work' )?no longer exists \(ENOENT\)/i);
        expect(e.data).toMatchObject({ cwd: 'work' });
        const wire = JSON.stringify({ message: e.message, data: e.data });
        expect(wire).not.toContain(server);
        expect(wire).not.toContain(home);
      } finally {
        await orch.shutdown();
      }
    }
  });

  it("scripted mode, no cwd given: the command's SpawnFailed does not name the server's directory", async () => {
    const dir = join(server, 'gone');
    mkdirSync(dir);
    process.chdir(dir);
    const orch = Orchestrator.builder().build();
    try {
      const term = await orch.spawnTerminal('agent', { mode: 'scripted' });
      process.chdir(server);
      rmdirSync(dir);
      const e = expectCode(await rejection(term.execute('echo ok')), ErrorCode.SpawnFailed);
      expect(e.data).not.toHaveProperty('cwd');
      expect(JSON.stringify({ message: e.message, data: e.data })).not.toContain(server);
    } finally {
      process.chdir(server);
      await orch.shutdown();
    }
  });

  // A root orchestrator's sandbox runs as an unprivileged user, who may not enter a mode-000
  // workspace (root passes the spawn's own check): bwrap says so with the path it was given.
  it.runIf(process.getuid?.() === 0)(
    "a sandbox's workspace its user may not enter (mode 000): what bwrap printed names it as given",
    async () => {
      const locked = join(server, 'locked');
      mkdirSync(locked, { mode: 0o000 });
      chmodSync(locked, 0o000);
      try {
        const e = await spawnFailure({ isolationLevel: 'sandbox' }, { cwd: 'locked' });
        // bwrap 0.8: "bwrap: Can't chdir to locked: Permission denied".
        expect(e.message).toMatch(
          /^Shell 'bash' exited during startup \(exit code 1\); it printed: .* locked\b/,
        );
        expect(e.data).toMatchObject({ shell: 'bash' });
        expect(e.wire).not.toContain(server);
        expect(e.wire).not.toContain(home);
      } finally {
        rmSync(locked, { recursive: true, force: true });
      }
    },
  );
});
