// The decision's raw material (commands, wrapper chains, assignments) and the PolicyDenied error.
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';
import { describe, expect, it } from 'vitest';
import { CommandPolicy, policyDeniedError } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';

describe('PolicyDecision.commands', () => {
  it('lists every simple command with its resolved program, argv, text, wrappers and assignments', async () => {
    const policy = new CommandPolicy(SecurityPresets.standard);
    const decision = await policy.check(
      `FOO=1 /usr/bin/git status -s | sudo -u bob env BAR=2 timeout 5 "ls" -la; echo "$(date)"`,
      { cwd: '/tmp' },
    );
    expect(decision.commands.map((c) => c.program)).toEqual(['git', 'ls', 'echo', 'date']);
    const [git, ls] = decision.commands;
    expect(git).toMatchObject({
      program: 'git',
      programPath: '/usr/bin/git',
      argv: ['status', '-s'],
      text: 'FOO=1 /usr/bin/git status -s',
    });
    expect(git?.assignments).toEqual([{ name: 'FOO', value: '1', dangerous: false }]);
    expect(ls?.via).toEqual([
      { program: 'sudo', argv: ['-u', 'bob'] },
      { program: 'env', argv: ['BAR=2'] },
      { program: 'timeout', argv: ['5'] },
    ]);
    expect(ls?.argv).toEqual(['-la']);
    expect(ls?.assignments.map((a) => a.name)).toEqual(['BAR']);
    expect(decision).toMatchObject({ allowed: false, rule: 'deniedCommands[9]: sudo' });
    expect(decision.reason).toContain('sudo -u bob');
  });

  it('flags dangerous assignments in the commands it reports', async () => {
    const decision = await new CommandPolicy({}).check('LD_PRELOAD=/x.so ls');
    expect(decision.commands[0]?.assignments[0]).toEqual({
      name: 'LD_PRELOAD',
      value: '/x.so',
      dangerous: true,
    });
    expect(decision).toMatchObject({ allowed: false, rule: 'dangerous-assignment:LD_PRELOAD' });
  });

  it('allows everything not denied under a policy without an allowlist', async () => {
    // protectShellIntegration (on by default) would refuse `$cmd`, whose name is only known at run time.
    const policy = new CommandPolicy({ protectShellIntegration: false });
    const decision = await policy.check('$cmd; eval "x y"; ls (');
    expect(decision).toMatchObject({ allowed: true, rule: 'default-allow' });
  });
});

describe('enforce / policyDeniedError', () => {
  it('rejects with PolicyDenied naming the rule and the part of the command', async () => {
    const policy = new CommandPolicy(SecurityPresets.locked);
    const error = await policy
      .enforce('git status && curl http://x', { cwd: '/tmp' })
      .catch((e: unknown) => e);
    expect(isOrchflowError(error)).toBe(true);
    if (!isOrchflowError(error)) return;
    expect(error.code).toBe(ErrorCode.PolicyDenied);
    expect(error.message).toContain('allowedCommands: no match');
    expect(error.message).toContain("'curl http://x'");
    expect(error.data).toMatchObject({
      rule: 'allowedCommands: no match',
      command: 'git status && curl http://x',
    });
    await expect(policy.enforce('git status', { cwd: '/tmp' })).resolves.toMatchObject({ allowed: true });
  });

  it('builds the same error from a decision', () => {
    const error = policyDeniedError('x', { allowed: false, reason: 'because', rule: 'eval', commands: [] });
    expect(error.toJson()).toMatchObject({
      code: ErrorCode.PolicyDenied,
      data: { rule: 'eval', reason: 'because' },
    });
  });

  it('rejects an invalid policy at construction', () => {
    expect(() => new CommandPolicy({ isolationLevel: 'vm' })).toThrow(/isolationLevel/);
  });
});

describe("an allowed decision's reason", () => {
  it('says why it was allowed: no rule refused it, and under an allowlist every command matched', async () => {
    const open = await new CommandPolicy(SecurityPresets.standard).check('ls /', { cwd: '/tmp' });
    expect(open).toMatchObject({
      allowed: true,
      rule: 'default-allow',
      reason: 'no rule of the policy refuses it',
    });
    const listed = await new CommandPolicy(SecurityPresets.locked).check('ls /', { cwd: '/tmp' });
    expect(listed).toMatchObject({
      allowed: true,
      rule: 'allowedCommands',
      reason: expect.stringMatching(/matches an allowedCommands entry/),
    });
  });
});
