// Spawn configs under a security policy: env, shell, args and cwd are refused when they would let
// an agent run code the command policy never sees or widen the sandbox; a trusted-like policy
// (no allowlist, no isolation) leaves them alone.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@orchflow/protocol';
import { parseSecurityPolicy, type SecurityPolicyInput } from '@orchflow/security';
import { isolationSpecFor } from '@orchflow/security/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { Orchestrator, type SecurityAlertEvent } from '../src/index';
import { expectCode, rejection } from './helpers';

let orch: Orchestrator | undefined;
afterEach(async () => {
  await orch?.shutdown();
  orch = undefined;
});

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'orchflow-spawn-'));
}

function build(policy: SecurityPolicyInput): Orchestrator {
  orch = Orchestrator.builder().withSecurityPolicy(policy).build();
  return orch;
}

const ALLOWLIST: SecurityPolicyInput = { allowedCommands: ['ls', 'echo', 'cat', 'cd'] };

/** A workspace with a `bin/ls` that drops `pwned` into the workspace when run. */
function trojanWorkspace(): string {
  const ws = dir();
  mkdirSync(join(ws, 'bin'));
  writeFileSync(join(ws, 'bin', 'ls'), `#!/bin/sh\ntouch ${join(ws, 'pwned')}\n`);
  chmodSync(join(ws, 'bin', 'ls'), 0o755);
  return ws;
}

async function denial(promise: Promise<unknown>, rule: RegExp): Promise<void> {
  const e = expectCode(await rejection(promise), ErrorCode.PolicyDenied);
  expect(e.data).toMatchObject({ rule: expect.stringMatching(rule) });
}

describe('spawn config under a security policy', () => {
  it('refuses dangerous env variables (PATH, BASH_FUNC_*, PROMPT_COMMAND, GIT_*) and alerts', async () => {
    const o = build(ALLOWLIST);
    const alerts: SecurityAlertEvent[] = [];
    o.on('security.alert', (a) => alerts.push(a));
    const ws = trojanWorkspace();
    const evilPath = { PATH: `${join(ws, 'bin')}:/usr/bin:/bin` };
    await denial(o.spawnTerminal('agent', { cwd: ws, env: evilPath }), /^spawn-env:PATH$/);
    expect(existsSync(join(ws, 'pwned'))).toBe(false);
    expect(alerts[0]).toMatchObject({ agentId: 'agent', rule: 'spawn-env:PATH' });
    for (const env of <Record<string, string>[]>[
      { 'BASH_FUNC_ls%%': '() { touch pwned; }' },
      { PROMPT_COMMAND: 'touch pwned' },
      { BASH_ENV: join(ws, 'bin', 'ls') },
      { GIT_SSH_COMMAND: 'touch pwned' },
      { LD_PRELOAD: '/tmp/x.so' },
      { npm_config_script_shell: '/tmp/evil' },
    ]) {
      await denial(o.spawnTerminal('agent', { cwd: ws, env }), /^spawn-env:/);
    }
    // Harmless variables still pass, and the terminal works.
    const term = await o.spawnTerminal('agent', { cwd: ws, env: { PROJECT_MODE: 'test' } });
    expect((await term.execute('echo $PROJECT_MODE')).stdout).toBe('test\n');
    expect(existsSync(join(ws, 'pwned'))).toBe(false);
  });

  it('refuses shell args under an allowlist, and shells other than bash, zsh or sh', async () => {
    const o = build(ALLOWLIST);
    const ws = dir();
    await denial(
      o.spawnTerminal('agent', { cwd: ws, args: ['-c', `touch ${join(ws, 'p8')}; exec bash`] }),
      /^spawn-args$/,
    );
    await denial(
      o.spawnTerminal('agent', { cwd: ws, shell: '/usr/bin/python3', mode: 'scripted' }),
      /^spawn-shell$/,
    );
    await denial(
      o.spawnTerminal('agent', { cwd: ws, shell: join(trojanWorkspace(), 'bin', 'ls') }),
      /^spawn-shell$/,
    );
    // A relative path would resolve against the (agent-chosen) cwd.
    await denial(o.spawnTerminal('agent', { cwd: ws, shell: './bash' }), /^spawn-shell$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(join(ws, 'p8'))).toBe(false);
    const sh = await o.spawnTerminal('agent', { cwd: ws, shell: 'sh' });
    expect((await sh.execute('echo ok')).stdout).toBe('ok\n');
    expect(sh.info().shell).toMatch(/^\/.*\/sh$/);
  });

  it('refuses a sandbox workspace that is /, a home directory, a system directory or holds a forbidden path', async () => {
    const secret = dir();
    const o = build({ isolationLevel: 'sandbox', forbiddenPaths: [join(secret, 'key')] });
    for (const cwd of ['/', homedir(), '/tmp', '/etc', '/usr/local', secret]) {
      await denial(o.spawnTerminal('agent', { cwd }), /^spawn-cwd:/);
    }
  });

  it('refuses a terminal spawned without cwd in a server running in a home or system directory, without naming it', async () => {
    const o = build({ isolationLevel: 'sandbox' });
    const before = process.cwd();
    for (const [serverDir, rule] of [
      [homedir(), 'spawn-cwd:too-wide'],
      ['/usr/share', 'spawn-cwd:system-dir'],
    ] as const) {
      process.chdir(serverDir);
      let failure: unknown;
      try {
        failure = await rejection(o.spawnTerminal('agent', {}));
      } finally {
        process.chdir(before);
      }
      const e = expectCode(failure, ErrorCode.PolicyDenied);
      expect(e.data).toMatchObject({ rule });
      expect(e.message).toMatch(
        /^The server's own working directory \(where a terminal spawned without cwd starts\) .*; pass a cwd: a project directory$/,
      );
      const wire = JSON.stringify({ message: e.message, data: e.data });
      expect(wire).not.toContain(`'${serverDir}'`);
      expect(wire).not.toContain(`'${homedir()}'`);
      expect(wire).not.toContain("'/usr'");
    }
    // A cwd the caller gives is still named: it is theirs.
    const e = expectCode(
      await rejection(o.spawnTerminal('agent', { cwd: '/usr/share' })),
      ErrorCode.PolicyDenied,
    );
    expect(e.message).toContain("Working directory '/usr/share'");
  });

  it('refuses a cwd inside a forbidden path at every isolation level', async () => {
    const secret = dir();
    mkdirSync(join(secret, 'inner'));
    const o = build({ forbiddenPaths: [secret] });
    await denial(o.spawnTerminal('agent', { cwd: join(secret, 'inner') }), /^spawn-cwd:forbidden-path:/);
  });

  it("names a forbidden cwd as the caller gave it and the forbidden path as '~/…', never the server's home", async () => {
    // The server's user has a real home (HOME, as os.homedir() reads it) with a forbidden `~/x`.
    const root = dir();
    const home = join(root, 'home', 'agent');
    mkdirSync(join(home, 'x', 'sub'), { recursive: true });
    const ws = dir();
    symlinkSync(join(home, 'x'), join(ws, 'link'));
    const before = { home: process.env.HOME, cwd: process.cwd() };
    process.env.HOME = home;
    try {
      const policies = [{ forbiddenPaths: ['~/x'] }, { forbiddenPaths: ['~/x'], allowedCommands: ['ls'] }];
      for (const policy of policies) {
        const o = build(policy);
        // A relative cwd resolves against the server's own directory, here the home; a symlink
        // leads into it.
        process.chdir(home);
        let denials: unknown[];
        try {
          denials = [
            await rejection(o.spawnTerminal('agent', { cwd: 'x/sub' })),
            await rejection(o.spawnTerminal('agent', { cwd: join(ws, 'link', 'sub') })),
          ];
        } finally {
          process.chdir(before.cwd);
        }
        const [relative, linked] = denials.map((d) => expectCode(d, ErrorCode.PolicyDenied));
        expect(relative?.message).toBe(
          "Working directory 'x/sub' lies inside the forbidden path '~/x'; spawn the terminal elsewhere",
        );
        expect(linked?.message).toBe(
          `Working directory '${join(ws, 'link', 'sub')}' lies inside the forbidden path '~/x'; spawn the terminal elsewhere`,
        );
        for (const e of [relative, linked]) {
          expect(e?.data).toMatchObject({ rule: 'spawn-cwd:forbidden-path:~/x' });
          expect(JSON.stringify({ message: e?.message, data: e?.data })).not.toContain(home);
        }
        await o.shutdown();
      }
      // A sandbox workspace that holds the home: named '~', not by its path.
      const o = build({ isolationLevel: 'sandbox' });
      const e = expectCode(
        await rejection(o.spawnTerminal('agent', { cwd: join(root, 'home') })),
        ErrorCode.PolicyDenied,
      );
      expect(e.message).toBe(
        `Working directory '${join(root, 'home')}' would be bound writable into the sandbox and contains '~' (the root, a home directory, a hidden or a forbidden path); use a project directory instead`,
      );
      expect(JSON.stringify({ message: e.message, data: e.data })).not.toContain(home);
    } finally {
      if (before.home === undefined) delete process.env.HOME;
      else process.env.HOME = before.home;
      rmSync(root, { recursive: true, force: true });
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('leaves env, args and shell alone under a trusted-like policy (no allowlist, no isolation)', async () => {
    const o = build({ deniedCommands: ['rm'] });
    const ws = trojanWorkspace();
    const term = await o.spawnTerminal('agent', {
      cwd: ws,
      env: { PATH: `${join(ws, 'bin')}:/usr/bin:/bin` },
      args: ['-O', 'extglob'],
    });
    await term.execute('ls');
    expect(existsSync(join(ws, 'pwned'))).toBe(true);
  });

  it('never keeps a dangerous caller variable through the isolation env scrub', () => {
    const policy = parseSecurityPolicy({ isolationLevel: 'process' });
    const spec = isolationSpecFor(policy, { workspace: '/w', keepEnv: ['FOO', 'LD_PRELOAD', 'PATH'] });
    expect(spec.keepEnv).toEqual(['FOO']);
  });
});
