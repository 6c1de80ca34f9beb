// The bot's security policy, the plan's "run code together safely" settings expressed as an
// orchflow SecurityPolicy. Every field here is enforced by @orchflow/security and core; the
// README says which mechanism enforces each one on a given machine.
import type { SecurityPolicyInput } from '@orchflow/security';

/** Knobs of the bot's policy; the defaults are the plan's. */
export interface CodeBotPolicyOptions {
  /** Wall-clock limit of one run, ms (default 30 000). */
  timeoutMs?: number;
  /** Memory limit, MiB: per process (RLIMIT_AS) and for the whole terminal (memory cgroup). Default 512. */
  maxMemoryMb?: number;
}

/**
 * Only `python3` and `node` may run, inside a bubblewrap sandbox with no network, 30 s per run,
 * 512 MiB, few processes and small files. One terminal per user.
 */
export function codeBotPolicy(options: CodeBotPolicyOptions = {}): SecurityPolicyInput {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    maxTerminalsPerAgent: 1,
    // An allowlist fails closed: `curl`, `rm`, `ls`, even `echo` are refused, and so are the
    // interpreters' inline-code forms (`python3 -c`, `node -e`): code runs only from the file
    // the bot wrote.
    allowedCommands: ['python3', 'node'],
    networkPolicy: 'deny',
    isolationLevel: 'sandbox',
    resourceLimits: {
      executionTimeoutMs: timeoutMs,
      maxMemoryMb: options.maxMemoryMb ?? 512,
      // CPU seconds per process; the wall-clock timeout above is the one users meet first.
      maxCpuSeconds: Math.ceil(timeoutMs / 1000) + 30,
      maxProcesses: 64,
      maxFileSizeMb: 16,
      maxOpenFiles: 256,
      maxTmpfsMb: 64,
    },
    capabilities: { canNetwork: false, canWriteRawInput: false },
  };
}
