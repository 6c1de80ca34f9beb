// What `Terminal.spawn` and `Terminal.resume` accept, and the checks that turn it into the
// options the process side starts from: a new terminal's config is refused on any problem, a
// stored one (resume) loses the keys this version does not know.
import { ErrorCode, OrchflowError, type TerminalConfig, TerminalConfigSchema } from '@orchflow/protocol';
import { flatUuid } from './flat-id';
import type { TerminalRedaction } from './output/redaction';
import type { ShellResume } from './pty-host';
import type { PtyFactory, PtyProcess } from './pty-process';
import {
  DEFAULT_SPAWN_TIMEOUT_MS,
  type GivenConfig,
  type LaunchWrapper,
  type ResolvedSpawnOptions,
  resolveSpawnOptions,
  resumedSpawnOptions,
  type ShellKind,
} from './spawn-options';

/** Options of {@link Terminal.spawn}: a TerminalConfig plus in-process settings. */
export interface TerminalSpawnOptions extends TerminalConfig {
  /** Terminal id. Default: a random UUID. */
  id?: string;
  /** Time the shell gets to show its first prompt. Default {@link DEFAULT_SPAWN_TIMEOUT_MS}. */
  spawnTimeoutMs?: number;
  /**
   * How errors name `cwd` and `shell` when they are resolved forms of what the terminal's caller
   * gave (the Orchestrator passes its spawn guard's real paths): as that caller gave them, so
   * errors a remote caller sees do not name the server's directory a relative cwd was resolved
   * against, where a symlink leads, or where the server found the shell. Default: `cwd`, `shell`.
   */
  asGiven?: GivenConfig;
  /** Starts the shell under a wrapper (resource limits, network namespace, sandbox). */
  launch?: LaunchWrapper;
  /** Starts the PTY the shell runs in (interactive modes). Default: a PTY of this process, its shell forked by the spawner (or node-pty). */
  spawnPty?: PtyFactory;
  /**
   * `auto` (default): the terminal gets its own cgroup where the host allows, so killing it kills
   * every process it started; `process-tree`: only its session and process tree (see docs/terminal.md).
   */
  containment?: 'auto' | 'process-tree';
  /**
   * Secrets to redact from everything the terminal shows — scrollback, streams, snapshots,
   * ExecResult, history — at the source: `createRedactor(...)` of `@orchflow/security`. Required
   * when `secretEnv` is given. The Orchestrator builds it from its policy and the config.
   */
  redaction?: TerminalRedaction;
  /** How long a held possible start of a secret waits for more bytes: 1..10000 ms, default 16 (one batch). */
  redactionHoldMs?: number;
}

/** Options of {@link Terminal.resume}: a shell that already runs with orchflow's integration. */
export interface TerminalResumeOptions {
  /** Terminal id. */
  id: string;
  /** The configuration the terminal was created with. */
  config: TerminalConfig;
  /** Absolute path of its shell. */
  shellPath: string;
  /** Its shell integration. */
  kind: ShellKind;
  /** The PTY it runs in. */
  pty: PtyProcess;
  /** Its stored integration state (nonce, private dir, cwd) and output to restore. */
  shell: ShellResume;
  /** Secrets to redact from its output (see {@link TerminalSpawnOptions.redaction}). */
  redaction?: TerminalRedaction;
}

/** A new terminal's checked options, with the defaults applied. */
export interface CheckedSpawn {
  id: string;
  spawnTimeoutMs: number;
  spawnPty: PtyFactory | undefined;
  opts: ResolvedSpawnOptions;
}

// A stored config (Terminal.resume) with the same fields, whose unknown keys are dropped.
const STORED_CONFIG = TerminalConfigSchema.strip();

/** Checks a new terminal's options (config, redaction); throws InvalidParams. */
export function checkSpawnOptions(options: TerminalSpawnOptions): CheckedSpawn {
  const {
    id = flatUuid(),
    spawnTimeoutMs = DEFAULT_SPAWN_TIMEOUT_MS,
    asGiven,
    launch,
    spawnPty,
    containment,
    redaction,
    redactionHoldMs,
    ...rest
  } = options;
  const parsed = TerminalConfigSchema.safeParse(rest);
  if (!parsed.success) {
    throw new OrchflowError(ErrorCode.InvalidParams, `Invalid terminal config: ${parsed.error.message}`, {
      issues: parsed.error.issues,
    });
  }
  checkRedaction(parsed.data, redaction, redactionHoldMs);
  checkAsGiven(asGiven);
  const opts: ResolvedSpawnOptions = {
    ...resolveSpawnOptions(parsed.data, asGiven ?? { cwd: parsed.data.cwd, shell: parsed.data.shell }),
    launch,
    containment,
    redaction,
    redactionHoldMs,
  };
  return { id, spawnTimeoutMs, spawnPty, opts };
}

/** The options of a resumed terminal, from its stored config; throws InvalidParams. */
export function checkResumeOptions(options: TerminalResumeOptions): ResolvedSpawnOptions {
  // Stored by whichever orchflow started the shell: a key this version does not know is dropped,
  // not refused (refusing would leave that session unadoptable).
  const parsed = STORED_CONFIG.safeParse(options.config);
  if (!parsed.success) {
    throw new OrchflowError(ErrorCode.InvalidParams, `Invalid terminal config: ${parsed.error.message}`, {
      issues: parsed.error.issues,
    });
  }
  return {
    ...resumedSpawnOptions(parsed.data, options.shellPath, options.kind),
    redaction: options.redaction,
  };
}

/** Throws InvalidParams for `secretEnv` without a redaction, or a hold time out of range. */
function checkRedaction(
  config: TerminalConfig,
  redaction: TerminalRedaction | undefined,
  holdMs: number | undefined,
): void {
  if (config.secretEnv && Object.keys(config.secretEnv).length > 0 && !redaction) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      'secretEnv needs a redaction to keep its values out of the output: pass `redaction: createRedactor({ secrets })` from @orchflow/security, or spawn through an Orchestrator (it builds one)',
    );
  }
  if (holdMs !== undefined && !(Number.isInteger(holdMs) && holdMs >= 1 && holdMs <= 10_000)) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `redactionHoldMs must be an integer 1..10000, got ${holdMs}`,
    );
  }
}

/** `asGiven` only names paths in messages, but a wrong shape there is a caller's bug: say so. */
function checkAsGiven(asGiven: unknown): void {
  if (asGiven === undefined) return;
  const ok =
    typeof asGiven === 'object' &&
    asGiven !== null &&
    Object.entries(asGiven).every(
      ([key, value]) =>
        (key === 'cwd' || key === 'shell') && (value === undefined || typeof value === 'string'),
    );
  if (!ok) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      "Invalid asGiven: it takes { cwd?: string, shell?: string }, the terminal's cwd and shell as its caller gave them",
    );
  }
}
