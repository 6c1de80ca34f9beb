// The SecurityPolicy shape: one zod schema is the source of truth for what a policy may say, its
// defaults, and the load-time error that names every bad field.
import { ErrorCode, type IsolationLevel, IsolationLevelSchema, OrchflowError } from '@orchflow/protocol';
import { z } from 'zod';
import { analysePattern } from '../redaction/pattern-syntax';

// The isolation levels are a wire type (`initialize` advertises them, `TerminalConfig` carries one):
// the protocol defines them once and a policy uses that very schema.
export { type IsolationLevel, IsolationLevelSchema };

/** Whether a terminal's processes may reach the network. */
export const NetworkPolicySchema = z.enum(['allow', 'deny']);
/** Whether a terminal's processes may reach the network. */
export type NetworkPolicy = z.infer<typeof NetworkPolicySchema>;

/**
 * A command rule: a program (`git`), or a program and argument prefix (`git status`,
 * `npm run test:*`); `*` globs within a token.
 */
export const CommandRuleSchema = z
  .string()
  .trim()
  .min(1, 'a command rule must name a program')
  .max(1024)
  .refine((rule) => !/[;&|<>`$()]/.test(rule), {
    message: 'a command rule is a program and argument words, without shell operators or expansions',
  });

/**
 * An allowlist entry: a command rule, or one with options it refuses (`{ command: 'git log',
 * deniedOptions: ['--output'] }`, matched also when abbreviated or clustered) or that must match
 * exactly (`{ command: 'make test', exact: true }` allows no further arguments).
 */
export const AllowRuleSchema = z.union([
  CommandRuleSchema,
  z
    .object({
      command: CommandRuleSchema,
      deniedOptions: z
        .array(z.string().regex(/^--?[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'an option such as -o, --output or -exec'))
        .default([]),
      exact: z.boolean().default(false),
    })
    .strict(),
]);
/** An allowlist entry. */
export type AllowRule = z.infer<typeof AllowRuleSchema>;
/** An allowlist entry as written, before defaults. */
export type AllowRuleInput = z.input<typeof AllowRuleSchema>;

const positiveInt = z.number().int().positive();

/** Per-terminal resource limits, enforced by the isolation layer. All optional: unset is unlimited. */
export const ResourceLimitsSchema = z
  .object({
    /** CPU time per process, in seconds (RLIMIT_CPU). */
    maxCpuSeconds: positiveInt.optional(),
    /** Address space per process, in MiB (RLIMIT_AS). */
    maxMemoryMb: positiveInt.optional(),
    /** Wall-clock time per `execute`, in milliseconds. */
    executionTimeoutMs: positiveInt.optional(),
    /** Largest file a process may write, in MiB (RLIMIT_FSIZE). */
    maxFileSizeMb: positiveInt.optional(),
    /** Open file descriptors per process (RLIMIT_NOFILE). */
    maxOpenFiles: positiveInt.optional(),
    /**
     * Size of the RAM-backed /tmp of a `sandbox` or `container`, in MiB (sandbox default 512);
     * a sandbox's other private tmpfs mounts get at most 64.
     */
    maxTmpfsMb: positiveInt.optional(),
    /** Processes per user (RLIMIT_NPROC). */
    maxProcesses: positiveInt.optional(),
  })
  .strict();
/** Per-terminal resource limits. */
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>;

/** What a terminal's commands may do; `false` removes the capability. */
export const CapabilitiesSchema = z
  .object({
    canReadFiles: z.boolean().default(true),
    canWriteFiles: z.boolean().default(true),
    canNetwork: z.boolean().default(true),
    canSpawnSubprocesses: z.boolean().default(true),
    /** Raw keystrokes (`terminal.write`) bypass command parsing; see {@link @orchflow/security!canWriteRawInput | canWriteRawInput}. */
    canWriteRawInput: z.boolean().optional(),
  })
  .strict();
/** What a terminal's commands may do. */
export type Capabilities = z.infer<typeof CapabilitiesSchema>;

/**
 * Environment variables that change what a program loads or runs; assigning one (`LD_PRELOAD=x
 * ls`, `export PATH=…`, `env BASH_ENV=…`) is denied when listed in `dangerousVariables`.
 */
export const DANGEROUS_VARIABLES: readonly string[] = [
  'LD_*',
  'DYLD_*',
  'BASH_ENV',
  'ENV',
  'PATH',
  'IFS',
  'PROMPT_COMMAND',
  'PS4',
  'SHELLOPTS',
  'BASHOPTS',
  'BASH_FUNC_*',
  'NODE_OPTIONS',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
];

/**
 * A secret the orchestrator knows (a token it hands out): every occurrence in a terminal's output,
 * command history and audit log becomes `[REDACTED:<name>]` (see `createRedactor`).
 */
export const PolicySecretSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    value: z.string().min(4).max(4096),
  })
  .strict();

const RedactionPatternSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    regex: z
      .string()
      .min(1)
      .max(1000)
      .superRefine((regex, ctx) => {
        try {
          analysePattern(regex);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `refused pattern: ${(error as Error).message}` });
        }
      }),
  })
  .strict();

/** Redaction patterns beyond the literal secrets (see `createRedactor` for the accepted regex subset). */
export const RedactionSettingsSchema = z
  .object({
    /** Extra patterns `{ name, regex }`: bounded, starting with ≥ 2 literal characters. */
    patterns: z.array(RedactionPatternSchema).max(1000).default([]),
    /** The built-in patterns (AWS access key ids, GitHub tokens, PEM private keys). Default true. */
    builtins: z.boolean().default(true),
  })
  .strict();

/** A security policy: which commands may run, where, with what limits and isolation. */
export const SecurityPolicySchema = z
  .object({
    /** How many terminals one agent may hold at once. */
    maxTerminalsPerAgent: positiveInt.optional(),
    /** When set, every simple command must match one entry (fail closed); unset allows all. */
    allowedCommands: z.array(AllowRuleSchema).optional(),
    /** A command matching any entry anywhere in the command line is denied. */
    deniedCommands: z.array(CommandRuleSchema).default([]),
    /** Paths (and everything below them) that commands may neither read nor write; `~` is home. */
    forbiddenPaths: z
      .array(
        z
          .string()
          .min(1)
          .refine((p) => p.startsWith('/') || p === '~' || p.startsWith('~/'), {
            message: 'a forbidden path must be absolute or start with ~/',
          }),
      )
      .default([]),
    /** Variable names (`*` globs) whose assignment is denied; see {@link DANGEROUS_VARIABLES}. */
    dangerousVariables: z
      .array(z.string().regex(/^[A-Za-z_*][A-Za-z0-9_*]*$/))
      .default([...DANGEROUS_VARIABLES]),
    /**
     * Deny commands that call, read or redefine orchflow's shell-integration hooks: `__orchflow_*`
     * names, prompt and hook variables (`PROMPT_COMMAND`, `PS0`, `PS1`, zsh hook arrays), dumps of
     * every function or variable (`set`, `declare -p`, `typeset -f`), `unset -f`, DEBUG traps. On
     * unless turned off (the `trusted` preset turns it off).
     */
    protectShellIntegration: z.boolean().default(true),
    resourceLimits: ResourceLimitsSchema.default({}),
    networkPolicy: NetworkPolicySchema.default('allow'),
    isolationLevel: IsolationLevelSchema.default('none'),
    capabilities: CapabilitiesSchema.default({
      canReadFiles: true,
      canWriteFiles: true,
      canNetwork: true,
      canSpawnSubprocesses: true,
    }),
    /**
     * Terminal recording (asciicast, by the orchestrator's recorder): `all` records every terminal
     * spawned under this policy (a spawn config may not opt out); `none` forbids recording (a
     * spawn asking for it is refused). Unset: each spawn config decides.
     */
    recording: z.enum(['all', 'none']).optional(),
    /** Literal secrets redacted from terminal output, command history and the audit log. */
    secrets: z.array(PolicySecretSchema).max(1000).default([]),
    /** Redaction patterns; the built-ins are on unless `builtins: false`. */
    redaction: RedactionSettingsSchema.default({ patterns: [], builtins: true }),
    /**
     * What OpenTelemetry spans of this policy's commands may carry. `commandLine`: the command
     * text as `process.command_line` (and error messages that quote it). Unset: only under a
     * policy as open as `trusted` (see `trustsRawInput`); without any policy it is carried.
     */
    tracing: z.object({ commandLine: z.boolean().optional() }).strict().optional(),
  })
  .strict();

/** A validated security policy with defaults applied. */
export type SecurityPolicy = z.infer<typeof SecurityPolicySchema>;
/** What a caller may write: a policy before defaults are applied. */
export type SecurityPolicyInput = z.input<typeof SecurityPolicySchema>;

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(policy)';
}

/**
 * Validates `input` and applies defaults; throws InvalidParams naming every bad field
 * (`resourceLimits.maxMemoryMb: …; isolationLevel: …`).
 */
export function parseSecurityPolicy(input: unknown): SecurityPolicy {
  const result = SecurityPolicySchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: fieldPath(issue.path),
    message: issue.message,
  }));
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `Invalid security policy — ${list}. Fix these fields or start from a preset in SecurityPresets.`,
    { issues },
  );
}
