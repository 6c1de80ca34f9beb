// The policy the issue-11 review attacked: `locked` extended for a developer agent — git, python3
// and node running files, npm scripts, writes in the workspace; network, subprocesses and raw input
// off; ~/.ssh, /etc/shadow and the workspace's secret/ forbidden; sandbox isolation. Shared by the
// policy test files so every class of attack is judged against the same rules.
import { expect } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import type { SecurityPolicyInput } from '../src/policy/schema';

/** The agent's workspace and home in these tests (nothing is read from them). */
export const WORKSPACE = '/work/project';
/** The agent's home directory in these tests. */
export const HOME = '/home/agent';

const locked = SecurityPresets.locked;

/** The developer-agent policy as input, for tests that need a variant of it. */
export const developerPolicyInput: SecurityPolicyInput = {
  ...locked,
  allowedCommands: [
    ...(locked.allowedCommands ?? []),
    'git',
    'python3',
    'node',
    'npm run',
    'npm test',
    'mkdir',
    'touch',
    'cp',
    'mv',
    'xargs',
  ],
  forbiddenPaths: [...locked.forbiddenPaths, `${WORKSPACE}/secret`],
  capabilities: { ...locked.capabilities, canWriteFiles: true },
};

/** The developer-agent policy. */
export const developer = new CommandPolicy(developerPolicyInput);

/** Judges `command` under `policy` with the test workspace as cwd and the test home. */
export const judge = (policy: CommandPolicy, command: string, cwd = WORKSPACE) =>
  policy.check(command, { cwd, home: HOME });

/** Asserts that `policy` denies `command` (from `cwd`) with `rule` (exact, or matching a RegExp). */
export async function expectDenied(
  policy: CommandPolicy,
  command: string,
  rule: string | RegExp,
  cwd?: string,
): Promise<void> {
  const decision = await judge(policy, command, cwd);
  expect({ command, allowed: decision.allowed }).toEqual({ command, allowed: false });
  if (typeof rule === 'string') expect(decision.rule).toBe(rule);
  else expect(decision.rule).toMatch(rule);
}

/** Asserts that `policy` allows `command` (from `cwd`); a failure shows the rule that denied it. */
export async function expectAllowed(policy: CommandPolicy, command: string, cwd?: string): Promise<void> {
  const decision = await judge(policy, command, cwd);
  expect({ command, allowed: decision.allowed, rule: decision.rule }).toMatchObject({
    command,
    allowed: true,
  });
}
