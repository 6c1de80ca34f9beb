// The three ready-made policies, from least to most restrictive, and the raw-input rule that
// depends on how restrictive a policy is.
import {
  type AllowRuleInput,
  parseSecurityPolicy,
  type SecurityPolicy,
  type SecurityPolicyInput,
} from './schema';

// Denied by every preset: commands that wipe the machine or take it down.
const CATASTROPHIC = [
  'rm -rf /',
  'rm -rf ~',
  'rm -rf /*',
  'mkfs*',
  'dd of=/dev/*',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
];

const DESTRUCTIVE_OR_PRIVILEGED = [
  ...CATASTROPHIC,
  'sudo',
  'su',
  'doas',
  'pkexec',
  'chroot',
  'mount',
  'umount',
  'fdisk',
  'parted',
  'wipefs',
  'shred',
  'iptables',
  'nft',
  'systemctl',
  'crontab',
  'passwd',
  'useradd',
  'userdel',
  'usermod',
  'visudo',
  'chmod -R 777 /',
  'chown -R',
  'kill -9 -1',
  'kill -9 1',
];

const SECRET_PATHS = [
  '~/.ssh',
  '~/.gnupg',
  '~/.aws',
  '~/.config/gcloud',
  '~/.kube',
  '~/.netrc',
  '~/.git-credentials',
  '~/.docker/config.json',
  '~/.npmrc',
  '~/.pypirc',
  '~/.config/gh',
  // Forbidden paths are literal (no globs): the backup copies and the sudoers drop-ins by name.
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/root',
  // init's environment (other processes' environ is readable only to their user or root).
  '/proc/1/environ',
];

// Options that make an allowed program run other code, write files or read a list of files the
// path check cannot see, in every spelling the program takes. Long options are also refused when
// abbreviated (`--out`); for programs with a grammar (programs.ts) a listed option is also refused
// in its other spelling and only where the program reads options (not in a script's arguments).
const GIT_READ = ['--output', '--ext-diff', '--textconv', '--open-files-in-pager'];
const GIT_GREP = ['--open-files-in-pager', '-O', '--ext-grep'];
const GIT_BRANCH_WRITES = [
  '-d',
  '-D',
  '-m',
  '-M',
  '-c',
  '-C',
  '-f',
  '-u',
  '-t',
  '--delete',
  '--move',
  '--copy',
  '--force',
  '--set-upstream-to',
  '--unset-upstream',
  '--track',
  '--edit-description',
];
const NPM_CONFIG = [
  '--script-shell',
  '--node-options',
  '--userconfig',
  '--globalconfig',
  '--call',
  '--prefix',
  '-C',
  '--config',
];
const NODE_CODE = [
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '-e',
  '--eval',
  '-p',
  '--print',
  '-i',
  '--interactive',
  '--env-file',
  '--env-file-if-exists',
  '--run',
];
const GO_CODE = [
  '-exec',
  '-toolexec',
  '-vettool',
  '-ldflags',
  '-gcflags',
  '-asmflags',
  '-gccgoflags',
  '-overlay',
  '-modfile',
];

const deny = (command: string, deniedOptions: string[]): AllowRuleInput => ({ command, deniedOptions });

// Read-only inspection and test runners: what an AI agent needs to look around and run tests.
// Test runners run the repository's own code (scripts, build files, tests) by design; the
// entries refuse the options that would run code given on the command line instead.
const READ_ONLY_AND_TEST: AllowRuleInput[] = [
  'ls',
  'pwd',
  'cat',
  'head',
  'tail',
  deny('wc', ['--files0-from']),
  'grep',
  deny('rg', ['--pre']),
  deny('find', ['-delete', '-fprint', '-fls']),
  deny('tree', ['-o', '--fromfile']),
  'stat',
  deny('file', ['-C', '--compile', '-f', '--files-from', '-m', '--magic-file']),
  deny('du', ['--files0-from']),
  'df',
  'echo',
  'printf',
  'true',
  'false',
  'test',
  '[',
  // Builtins that read or steer nothing beyond the line itself: `set` is limited to options that
  // change no later parse (set-options.ts), `read` assigns only names the assignment check allows.
  ':',
  'set',
  'read',
  'sleep',
  'shift',
  'break',
  'continue',
  'return',
  'wait',
  'type',
  'basename',
  'dirname',
  'seq',
  'pushd',
  'popd',
  'dirs',
  'which',
  'whoami',
  deny('date', ['-f', '--file', '-s', '--set']),
  'uname',
  'env',
  deny('sort', ['-o', '--output', '--compress-program', '--files0-from', '-T', '--temporary-directory']),
  'uniq',
  'cut',
  'diff',
  'cd',
  'git status',
  deny('git diff', GIT_READ),
  deny('git log', GIT_READ),
  deny('git show', GIT_READ),
  deny('git grep', GIT_GREP),
  deny('git branch', GIT_BRANCH_WRITES),
  'git rev-parse',
  'git ls-files',
  'git blame',
  ...['npm test', 'npm run test', 'npm run test:*', 'npm run lint', 'npm run typecheck'].map((c) =>
    deny(c, NPM_CONFIG),
  ),
  ...['pnpm test', 'pnpm run test', 'pnpm run test:*', 'pnpm vitest', 'pnpm lint', 'pnpm typecheck'].map(
    (c) => deny(c, NPM_CONFIG),
  ),
  deny('yarn test', NPM_CONFIG),
  deny('npx vitest', NPM_CONFIG),
  deny('npx jest', NPM_CONFIG),
  deny('node --test', NODE_CODE),
  'pytest',
  'python -m pytest',
  'python3 -m pytest',
  deny('cargo test', ['--config', '-Z', '--manifest-path']),
  deny('cargo check', ['--config', '-Z', '--manifest-path']),
  deny('go test', GO_CODE),
  deny('go vet', GO_CODE),
  { command: 'make test', exact: true },
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function preset(input: SecurityPolicyInput): SecurityPolicy {
  return deepFreeze(parseSecurityPolicy(input));
}

/** Ready-made policies: `trusted`, `standard`, `locked` (alias `aiSafe`). */
export const SecurityPresets: {
  /**
   * Your own machine, your own commands: only catastrophic commands denied, no isolation, and
   * commands may touch orchflow's shell integration (`protectShellIntegration: false`).
   */
  readonly trusted: SecurityPolicy;
  /** Destructive and privilege commands and secret paths denied; process limits; no raw input. */
  readonly standard: SecurityPolicy;
  /** Allowlist of read-only and test commands, no network, sandboxed, no raw input. */
  readonly locked: SecurityPolicy;
  /** Alias of {@link SecurityPresets.locked}. */
  readonly aiSafe: SecurityPolicy;
} = (() => {
  const locked = preset({
    maxTerminalsPerAgent: 4,
    allowedCommands: READ_ONLY_AND_TEST,
    deniedCommands: DESTRUCTIVE_OR_PRIVILEGED,
    forbiddenPaths: SECRET_PATHS,
    resourceLimits: {
      maxCpuSeconds: 300,
      maxMemoryMb: 2048,
      executionTimeoutMs: 600_000,
      maxFileSizeMb: 256,
      maxOpenFiles: 1024,
      maxProcesses: 256,
    },
    networkPolicy: 'deny',
    isolationLevel: 'sandbox',
    capabilities: {
      canReadFiles: true,
      canWriteFiles: false,
      canNetwork: false,
      canSpawnSubprocesses: false,
      canWriteRawInput: false,
    },
  });
  return deepFreeze({
    trusted: preset({
      deniedCommands: CATASTROPHIC,
      dangerousVariables: [],
      protectShellIntegration: false,
      isolationLevel: 'none',
    }),
    standard: preset({
      maxTerminalsPerAgent: 16,
      deniedCommands: DESTRUCTIVE_OR_PRIVILEGED,
      forbiddenPaths: SECRET_PATHS,
      resourceLimits: { maxMemoryMb: 4096, maxFileSizeMb: 1024, maxOpenFiles: 4096, maxProcesses: 1024 },
      isolationLevel: 'process',
      capabilities: { canWriteRawInput: false },
    }),
    locked,
    aiSafe: locked,
  });
})();

/**
 * Whether raw keystrokes under `policy` go to the terminal unjudged: only under a policy as open
 * as `trusted` (no allowlist, isolation `none` and `protectShellIntegration: false`). Under any
 * other policy, also a bare denylist, raw input is judged line by line where it is allowed.
 */
export function trustsRawInput(policy: SecurityPolicy): boolean {
  return (
    policy.allowedCommands === undefined &&
    policy.isolationLevel === 'none' &&
    !policy.protectShellIntegration
  );
}

/**
 * Whether raw keystrokes (`terminal.write`) are allowed: an explicit `canWriteRawInput` wins;
 * otherwise only under a policy that {@link trustsRawInput}, since typed keys could otherwise run
 * what the command policy denies. Where another policy allows them, `@orchflow/core` judges each
 * line typed at the shell's prompt.
 */
export function canWriteRawInput(policy: SecurityPolicy): boolean {
  return policy.capabilities.canWriteRawInput ?? trustsRawInput(policy);
}
