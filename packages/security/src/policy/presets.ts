// The three ready-made policies, from least to most restrictive, and the raw-input rule that
// depends on how restrictive a policy is.
import { parseSecurityPolicy, type SecurityPolicy, type SecurityPolicyInput } from './schema';

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
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers',
  '/root',
];

// Read-only inspection and test runners: what an AI agent needs to look around and run tests.
const READ_ONLY_AND_TEST = [
  'ls',
  'pwd',
  'cat',
  'head',
  'tail',
  'wc',
  'grep',
  'rg',
  'find',
  'tree',
  'stat',
  'file',
  'du',
  'df',
  'echo',
  'printf',
  'true',
  'false',
  'test',
  '[',
  'which',
  'whoami',
  'date',
  'uname',
  'env',
  'sort',
  'uniq',
  'cut',
  'diff',
  'cd',
  'git status',
  'git diff',
  'git log',
  'git show',
  'git branch',
  'git rev-parse',
  'git ls-files',
  'git blame',
  'npm test',
  'npm run test',
  'npm run test:*',
  'npm run lint',
  'npm run typecheck',
  'pnpm test',
  'pnpm run test',
  'pnpm run test:*',
  'pnpm vitest',
  'pnpm lint',
  'pnpm typecheck',
  'yarn test',
  'npx vitest',
  'npx jest',
  'node --test',
  'pytest',
  'python -m pytest',
  'cargo test',
  'cargo check',
  'go test',
  'go vet',
  'make test',
];

// Allowlisted programs whose writing modes the allowlist's prefixes cannot exclude.
const LOCKED_WRITES = [
  'find -delete',
  'git branch -d',
  'git branch -D',
  'git branch -m',
  'git branch -M',
  'sort -o',
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
  /** Your own machine, your own commands: only catastrophic commands denied, no isolation. */
  readonly trusted: SecurityPolicy;
  /** Destructive and privilege commands and secret paths denied; process limits. */
  readonly standard: SecurityPolicy;
  /** Allowlist of read-only and test commands, no network, sandboxed, no raw input. */
  readonly locked: SecurityPolicy;
  /** Alias of {@link SecurityPresets.locked}. */
  readonly aiSafe: SecurityPolicy;
} = (() => {
  const locked = preset({
    maxTerminalsPerAgent: 4,
    allowedCommands: READ_ONLY_AND_TEST,
    deniedCommands: [...DESTRUCTIVE_OR_PRIVILEGED, ...LOCKED_WRITES],
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
    trusted: preset({ deniedCommands: CATASTROPHIC, dangerousVariables: [], isolationLevel: 'none' }),
    standard: preset({
      maxTerminalsPerAgent: 16,
      deniedCommands: DESTRUCTIVE_OR_PRIVILEGED,
      forbiddenPaths: SECRET_PATHS,
      resourceLimits: { maxMemoryMb: 4096, maxFileSizeMb: 1024, maxOpenFiles: 4096, maxProcesses: 1024 },
      isolationLevel: 'process',
    }),
    locked,
    aiSafe: locked,
  });
})();

/**
 * Whether raw keystrokes (`terminal.write`) are allowed: an explicit `canWriteRawInput` wins;
 * otherwise they are allowed only without an allowlist, since keystrokes bypass command parsing.
 */
export function canWriteRawInput(policy: SecurityPolicy): boolean {
  return policy.capabilities.canWriteRawInput ?? policy.allowedCommands === undefined;
}
