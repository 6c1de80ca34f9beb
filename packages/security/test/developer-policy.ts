// The policy the issue-11 review attacked: `locked` extended for a developer agent — git, python3
// and node running files, npm scripts, writes in the workspace; network, subprocesses and raw input
// off; ~/.ssh, /etc/shadow and the workspace's secret/ forbidden; sandbox isolation. Shared by the
// policy test files so every class of attack is judged against the same rules.
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
