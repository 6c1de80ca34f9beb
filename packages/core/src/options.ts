// Orchestrator options and their defaults, shared by `new Orchestrator(options)` and the builder.

import type { MuxBackend } from '@orchflow/mux';
import { type ExecutionMode, ExecutionModeSchema, type IpcChannel, suggestKey } from '@orchflow/protocol';
import {
  type AuditLog,
  parseSecurityPolicy,
  type SecurityPolicy,
  type SecurityPolicyInput,
  SecurityPresets,
} from '@orchflow/security';
import { invalidParams } from './errors';
import { checkKeys, knownKeys } from './known-keys';
import type { MetricsSetting } from './metrics/option';
import type { OrchflowPlugin } from './plugins';
import type { RecordingOptions } from './recording/options';

/** Default for {@link OrchestratorOptions.maxTerminals}. */
export const DEFAULT_MAX_TERMINALS = 64;
/** Default for {@link OrchestratorOptions.exitedRetentionMs}: 5 minutes. */
export const DEFAULT_EXITED_RETENTION_MS = 5 * 60_000;
/** Default for {@link OrchestratorOptions.maxRetainedExited}. */
export const DEFAULT_MAX_RETAINED_EXITED = 32;
/** Default for {@link OrchestratorOptions.pluginTimeoutMs}: 30 s. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 30_000;
/** Default for {@link OrchestratorOptions.eventQueueSize}. */
export const DEFAULT_EVENT_QUEUE_SIZE = 1024;
/** Default for {@link OrchestratorOptions.maxOpenTransactions}. */
export const DEFAULT_MAX_OPEN_TRANSACTIONS = 1024;
/** Default for {@link OrchestratorOptions.transactionTtlMs}: 10 minutes. */
export const DEFAULT_TRANSACTION_TTL_MS = 10 * 60_000;
/**
 * What {@link OrchestratorOptions.terminalIdPrefix} must look like: a cluster node id (letters,
 * digits, `-`; no `_` or `.`) and one `_`, so the owning node is everything before the first `_`
 * and the id stays a valid tmux session name and protocol id.
 */
export const TERMINAL_ID_PREFIX_PATTERN = /^[A-Za-z0-9-]{1,48}_$/;

/** The name of a policy in `SecurityPresets` (`'trusted'`, `'standard'`, `'locked'`, `'aiSafe'`). */
export type SecurityPresetName = keyof typeof SecurityPresets;

/**
 * Options of `new Orchestrator(options)`; every field has a default. An unknown key is refused
 * with InvalidParams naming it (and the key it probably meant), never ignored.
 */
export interface OrchestratorOptions {
  /** Runs the terminals. Default: a new `DirectBackend`. */
  backend?: MuxBackend;
  /** Live terminals in total. Default {@link DEFAULT_MAX_TERMINALS}. */
  maxTerminals?: number;
  /** Live terminals per agent. Default: no limit beyond `maxTerminals`. */
  maxTerminalsPerAgent?: number;
  /** Mode of terminals whose config names none. Default `interactive`. */
  executionMode?: ExecutionMode;
  /**
   * Enforced on every command, spawn and raw write (see docs/security.md); validated when the
   * orchestrator is built (InvalidParams naming the bad fields). A policy object, or the name of
   * one of `SecurityPresets` (`'standard'`, `'trusted'`, `'locked'`, `'aiSafe'`). Default: no policy.
   */
  securityPolicy?: SecurityPolicyInput | SecurityPresetName;
  /** Append-only audit log (a JSONL path, or an open AuditLog): every decision and command end. */
  auditLog?: string | AuditLog;
  /** Plugins, run in this order. */
  plugins?: OrchflowPlugin[];
  /** `timeoutMs` of commands that set none (the policy's `executionTimeoutMs` caps it). Default: no timeout. */
  defaultTimeoutMs?: number;
  /** How long a terminal that exited on its own stays listed. Default {@link DEFAULT_EXITED_RETENTION_MS}. */
  exitedRetentionMs?: number;
  /** Most exited terminals kept listed; the oldest is removed first. Default {@link DEFAULT_MAX_RETAINED_EXITED}. */
  maxRetainedExited?: number;
  /** Time a plugin hook may take; `onCommandExecute` past it denies. Default {@link DEFAULT_PLUGIN_TIMEOUT_MS}. */
  pluginTimeoutMs?: number;
  /** Events buffered per `subscribeEvents()` consumer. Default {@link DEFAULT_EVENT_QUEUE_SIZE}. */
  eventQueueSize?: number;
  /** Open (begun, not committed) transactions. Default {@link DEFAULT_MAX_OPEN_TRANSACTIONS}. */
  maxOpenTransactions?: number;
  /** An open transaction not committed within this time is discarded. Default {@link DEFAULT_TRANSACTION_TTL_MS}. */
  transactionTtlMs?: number;
  /** Channels to serve the JSON-RPC API on, as an admin principal. */
  channels?: IpcChannel[];
  /** Records terminals as asciicast files: a `RecordingPlugin` with these options runs after `plugins`. */
  recording?: RecordingOptions;
  /**
   * Prometheus metrics (see docs/observability.md): `true` (a new registry, reachable with
   * `MetricsPlugin.of(orchestrator)`), options (e.g. your own `registry`) or a `MetricsPlugin`.
   * Runs as a plugin after `plugins`. Default: off.
   */
  metrics?: MetricsSetting;
  /**
   * Put in front of every terminal id this orchestrator generates (`<prefix><uuid>`), e.g.
   * `'node-1_'` on a cluster node so ids are globally unique and name their owner. Must match
   * {@link TERMINAL_ID_PREFIX_PATTERN}. Default: none (ids are plain UUIDs).
   */
  terminalIdPrefix?: string;
}

/** Every key of {@link OrchestratorOptions}. */
export const ORCHESTRATOR_OPTION_KEYS = knownKeys<OrchestratorOptions>({
  backend: true,
  maxTerminals: true,
  maxTerminalsPerAgent: true,
  executionMode: true,
  securityPolicy: true,
  auditLog: true,
  plugins: true,
  defaultTimeoutMs: true,
  exitedRetentionMs: true,
  maxRetainedExited: true,
  pluginTimeoutMs: true,
  eventQueueSize: true,
  maxOpenTransactions: true,
  transactionTtlMs: true,
  channels: true,
  recording: true,
  metrics: true,
  terminalIdPrefix: true,
});

/** Checks a limit given by the caller: a positive integer, or undefined. */
export function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw invalidParams(`${name} must be a positive integer, got ${value}`, { [name]: value });
  }
}

/** Options with every default applied and every limit checked. */
export interface ResolvedOptions {
  /** The validated policy, defaults applied. */
  securityPolicy: SecurityPolicy | undefined;
  maxTerminals: number;
  /** The lower of `maxTerminalsPerAgent` and the policy's, or `maxTerminals`. */
  maxTerminalsPerAgent: number;
  executionMode: ExecutionMode;
  defaultTimeoutMs: number | undefined;
  exitedRetentionMs: number;
  maxRetainedExited: number;
  pluginTimeoutMs: number;
  eventQueueSize: number;
  maxOpenTransactions: number;
  transactionTtlMs: number;
  /** Prefix of generated terminal ids; `''` when none was given. */
  terminalIdPrefix: string;
}

/**
 * Applies defaults; throws InvalidParams for an unknown key, a limit that is not a positive
 * integer, or an invalid policy (or unknown preset name).
 */
export function resolveOptions(options: OrchestratorOptions): ResolvedOptions {
  checkKeys('orchestrator options', options, ORCHESTRATOR_OPTION_KEYS);
  const securityPolicy =
    options.securityPolicy === undefined ? undefined : resolveSecurityPolicy(options.securityPolicy);
  const policyPerAgent = securityPolicy?.maxTerminalsPerAgent;
  const limits = {
    maxTerminals: options.maxTerminals,
    maxTerminalsPerAgent: options.maxTerminalsPerAgent,
    'securityPolicy.maxTerminalsPerAgent': policyPerAgent,
    defaultTimeoutMs: options.defaultTimeoutMs,
    exitedRetentionMs: options.exitedRetentionMs,
    maxRetainedExited: options.maxRetainedExited,
    pluginTimeoutMs: options.pluginTimeoutMs,
    eventQueueSize: options.eventQueueSize,
    maxOpenTransactions: options.maxOpenTransactions,
    transactionTtlMs: options.transactionTtlMs,
  };
  for (const [name, value] of Object.entries(limits)) checkLimit(name, value);
  const executionMode = options.executionMode ?? 'interactive';
  if (!ExecutionModeSchema.safeParse(executionMode).success) {
    throw invalidParams(
      `executionMode must be one of ${ExecutionModeSchema.options.join(', ')}, got ${JSON.stringify(executionMode)}`,
      { executionMode },
    );
  }
  const terminalIdPrefix = checkTerminalIdPrefix(options.terminalIdPrefix);
  const maxTerminals = options.maxTerminals ?? DEFAULT_MAX_TERMINALS;
  return {
    securityPolicy,
    maxTerminals,
    maxTerminalsPerAgent: Math.min(
      options.maxTerminalsPerAgent ?? maxTerminals,
      policyPerAgent ?? maxTerminals,
      maxTerminals,
    ),
    executionMode,
    defaultTimeoutMs: options.defaultTimeoutMs,
    exitedRetentionMs: options.exitedRetentionMs ?? DEFAULT_EXITED_RETENTION_MS,
    maxRetainedExited: options.maxRetainedExited ?? DEFAULT_MAX_RETAINED_EXITED,
    pluginTimeoutMs: options.pluginTimeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS,
    eventQueueSize: options.eventQueueSize ?? DEFAULT_EVENT_QUEUE_SIZE,
    maxOpenTransactions: options.maxOpenTransactions ?? DEFAULT_MAX_OPEN_TRANSACTIONS,
    transactionTtlMs: options.transactionTtlMs ?? DEFAULT_TRANSACTION_TTL_MS,
    terminalIdPrefix,
  };
}

function checkTerminalIdPrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string' || !TERMINAL_ID_PREFIX_PATTERN.test(prefix)) {
    throw invalidParams(
      `terminalIdPrefix must be 1-48 letters, digits or '-' followed by one '_' (e.g. 'node-1_'), got ${JSON.stringify(prefix)}`,
      { terminalIdPrefix: prefix },
    );
  }
  return prefix;
}

const PRESET_NAMES: ReadonlySet<string> = new Set(Object.keys(SecurityPresets));

/**
 * The validated policy `policy` is or names (a key of `SecurityPresets`); throws InvalidParams for
 * an invalid policy or an unknown preset name.
 */
export function resolveSecurityPolicy(policy: SecurityPolicyInput | SecurityPresetName): SecurityPolicy {
  if (typeof policy !== 'string') return parseSecurityPolicy(policy);
  if (Object.hasOwn(SecurityPresets, policy)) return SecurityPresets[policy];
  const meant = suggestKey(policy, PRESET_NAMES);
  throw invalidParams(
    `Unknown security policy preset ${JSON.stringify(policy)}${meant ? ` (did you mean '${meant}'?)` : ''}; ` +
      `use one of ${[...PRESET_NAMES].join(', ')} or a policy object`,
    { securityPolicy: policy, presets: [...PRESET_NAMES] },
  );
}
