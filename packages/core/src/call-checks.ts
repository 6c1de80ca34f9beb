// Checks of the arguments of the orchestrator's public methods that the protocol's schemas do not
// make: unknown option keys (refused, never dropped: see known-keys.ts), a per-command `env` (not
// an orchestrator option), and the filter of the emergency controls — an agent id or
// `{ agentId }`, and nothing else, since a filter that is ignored would stop every terminal.
import {
  AgentIdSchema,
  BulkControlParamsSchema,
  ExecuteCommandSchema,
  ListParamsSchema,
  MetricsParamsSchema,
  TerminalConfigSchema,
} from '@orchflow/protocol';
import type { BatchExecuteOptions, BatchOptions } from './batch';
import { invalidParams } from './errors';
import type { SubscribeEventsOptions } from './event-stream';
import type { OrchestratorExecOptions } from './events';
import { checkKeys, describe, type KnownKeys, knownKeys } from './known-keys';
import type { StreamOutputOptions } from './output-stream';

/** Every key of {@link OrchestratorExecOptions}. */
const EXECUTE_OPTION_KEYS = knownKeys<OrchestratorExecOptions>({
  timeoutMs: true,
  idleTimeoutMs: true,
  maxOutputBytes: true,
  signal: true,
  onOutput: true,
  onStart: true,
  waitForFloor: true,
});
// `progress` is a key of the wire's execute params (refused there unless absent), so the RPC
// layer may hand it on as undefined.
const EXECUTE_PASS_THROUGH: KnownKeys = new Set(['progress']);

/**
 * `options` without the wire's pass-through keys; throws InvalidParams for execute options the
 * orchestrator does not take: an unknown key, or a per-command `env`.
 */
export function checkExecuteOptions(
  options: OrchestratorExecOptions | undefined,
): OrchestratorExecOptions | undefined {
  if (options === undefined) return undefined;
  refuseExecuteEnv(options);
  checkKeys('execute options', options, EXECUTE_OPTION_KEYS, EXECUTE_PASS_THROUGH);
  if (!Object.hasOwn(options, 'progress')) return options;
  const { progress: _undefined, ...rest } = options as OrchestratorExecOptions & { progress?: undefined };
  return rest;
}

// `env` gets its own answer: the terminal's execute takes it, the orchestrator's does not.
const ENV_REFUSED =
  "The execute option 'env' is not supported by the orchestrator: a command's own environment " +
  'would not pass the security policy (which judges variables set in the command line and at ' +
  'spawn) and cannot be sent over the wire. Set variables at spawn (config.env / secretEnv) or in ' +
  "the command itself ('FOO=bar cmd', 'export FOO=bar'), where the policy judges them";

/** Throws InvalidParams when `options` carries `env` (see {@link ENV_REFUSED}). */
export function refuseExecuteEnv(options: unknown): void {
  if (typeof options === 'object' && options !== null && Object.hasOwn(options, 'env')) {
    throw invalidParams(ENV_REFUSED, { unsupportedKey: 'env' });
  }
}

const COMMAND_KEYS: KnownKeys = new Set(Object.keys(ExecuteCommandSchema.shape));
const BATCH_EXECUTE_OPTION_KEYS = knownKeys<BatchExecuteOptions>({
  mode: true,
  stopOnError: true,
  waitForFloor: true,
  signal: true,
});
const TRANSACTION_OPTION_KEYS = knownKeys<BatchOptions>({ mode: true, stopOnError: true, signal: true });

/**
 * Throws InvalidParams for an unknown key in a batch's (`what` = `batch`) or a transaction's
 * commands or options; the protocol's schemas check the rest.
 */
export function checkBatchKeys(what: 'batch' | 'transaction', commands: unknown, options: unknown): void {
  if (Array.isArray(commands)) {
    commands.forEach((command, i) => {
      // Not an object: the schema names it.
      if (typeof command === 'object' && command !== null && !Array.isArray(command)) {
        refuseExecuteEnv(command);
        checkKeys(`${what} command #${i + 1} (commands[${i}])`, command, COMMAND_KEYS);
      }
    });
  }
  const keys = what === 'batch' ? BATCH_EXECUTE_OPTION_KEYS : TRANSACTION_OPTION_KEYS;
  checkKeys(`${what} options`, options, keys);
}

const TERMINAL_CONFIG_KEYS: KnownKeys = new Set(Object.keys(TerminalConfigSchema.shape));

/** Throws InvalidParams for an unknown key of a spawn's terminal config. */
export function checkTerminalConfigKeys(config: unknown): void {
  checkKeys('terminal config', config, TERMINAL_CONFIG_KEYS);
}

const BULK_KEYS: KnownKeys = new Set(Object.keys(BulkControlParamsSchema.shape));

/**
 * The agent filter of `pauseAll` / `resumeAll` / `killAll`: `undefined` or `{}` (every terminal),
 * an agent id, or `{ agentId }`. Anything else — another type, an unknown key, an invalid agent id
 * (the empty string too) — throws InvalidParams: a filter that was not understood must never mean
 * "every terminal".
 */
export function bulkFilter(method: string, filter: unknown): { agentId?: string } {
  if (filter === undefined) return {};
  const what = `${method} filter`;
  const given = typeof filter === 'string' ? { agentId: filter } : filter;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalidParams(
      `Invalid ${what}: pass an agent id ('worker-1') or { agentId: 'worker-1' }, or nothing for every terminal; got ${describe(filter)}`,
      { filter: describe(filter) },
    );
  }
  checkKeys(what, given, BULK_KEYS);
  const { agentId } = given as { agentId?: unknown };
  if (agentId !== undefined && !AgentIdSchema.safeParse(agentId).success) {
    throw invalidParams(
      `Invalid ${what}: agentId must be 1-256 printable characters, got ${typeof agentId === 'string' ? JSON.stringify(agentId) : describe(agentId)}`,
      { agentId: typeof agentId === 'string' ? agentId : describe(agentId) },
    );
  }
  return agentId === undefined ? {} : { agentId: agentId as string };
}

const LIST_KEYS: KnownKeys = new Set(Object.keys(ListParamsSchema.shape));

/** Throws InvalidParams for a `listTerminals` filter that is not `{ agentId?, state? }`. */
export function checkListFilter(filter: unknown): void {
  if (typeof filter === 'string') {
    throw invalidParams(
      `Invalid listTerminals filter: pass { agentId: ${JSON.stringify(filter.slice(0, 64))} }, not a string`,
      { filter: describe(filter) },
    );
  }
  checkKeys('listTerminals filter', filter, LIST_KEYS);
}

const READ_KEYS: KnownKeys = new Set(['fromOffset', 'maxBytes']);
const STREAM_KEYS = knownKeys<StreamOutputOptions>({ fromOffset: true, signal: true, highWaterMark: true });
const EVENTS_KEYS = knownKeys<SubscribeEventsOptions>({ signal: true, types: true, queueSize: true });
const METRICS_KEYS: KnownKeys = new Set(Object.keys(MetricsParamsSchema.shape));
const FLOOR_KEYS: KnownKeys = new Set(['force']);

/** Throws InvalidParams for an unknown key of the options of `read` (`method`) and the like. */
export function checkOptionKeys(
  method: 'read' | 'streamOutput' | 'subscribeEvents' | 'metrics' | 'takeFloor',
  options: unknown,
): void {
  const keys = {
    read: READ_KEYS,
    streamOutput: STREAM_KEYS,
    subscribeEvents: EVENTS_KEYS,
    metrics: METRICS_KEYS,
    takeFloor: FLOOR_KEYS,
  }[method];
  checkKeys(`${method} options`, options, keys);
}
