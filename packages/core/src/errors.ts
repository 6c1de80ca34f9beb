// The errors the orchestrator raises, built in one place so their codes, messages and data stay
// consistent across execute, batches, transactions and the RPC layer that forwards them.
import { ErrorCode, type ExitInfo, OrchflowError } from '@orchflow/protocol';
import type { PluginDenial } from './plugins';
import type { TerminalRecord } from './registry';

/** No terminal with this id is registered. */
export function terminalNotFound(id: string): OrchflowError {
  return new OrchflowError(
    ErrorCode.TerminalNotFound,
    `No terminal '${id}'; it was never spawned or has been removed (list terminals to see live ids)`,
    { terminalId: id },
  );
}

/** The terminal has exited and can no longer run commands or take input. */
export function terminalExited(id: string, info: ExitInfo | undefined): OrchflowError {
  const how = info?.signal ? `signal ${info.signal}` : `exit code ${info?.exitCode ?? 'unknown'}`;
  return new OrchflowError(
    ErrorCode.TerminalExited,
    `Terminal '${id}' has exited (${how}); spawn a new terminal to run more commands`,
    { terminalId: id, ...info },
  );
}

/** Which quota was hit. */
export type QuotaName = 'maxTerminals' | 'maxTerminalsPerAgent';

/** A terminal quota is exhausted; `data` names the limit, its value and the current count. */
export function quotaExceeded(
  limit: QuotaName,
  max: number,
  current: number,
  agentId: string,
): OrchflowError {
  const whose = limit === 'maxTerminals' ? 'The orchestrator has' : `Agent '${agentId}' has`;
  return new OrchflowError(
    ErrorCode.QuotaExceeded,
    `${whose} ${current} live terminals (limit ${limit} = ${max}); kill a terminal first or raise the limit`,
    { limit, max, current, agentId },
  );
}

/** The orchestrator has been shut down. */
export function orchestratorShutDown(): OrchflowError {
  return new OrchflowError(
    ErrorCode.InvalidState,
    'The orchestrator has been shut down; create a new Orchestrator to continue',
  );
}

/** Invalid arguments to a public method. */
export function invalidParams(message: string, data?: unknown): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, message, data);
}

/** A plugin refused a command (or failed, and the orchestrator failed closed). */
export function pluginDenied(
  denial: PluginDenial,
  record: Pick<TerminalRecord, 'id' | 'agentId'>,
  command: string,
): OrchflowError {
  const message = denial.failed
    ? `Command denied: plugin '${denial.plugin}' failed (${denial.reason}); commands are refused while a plugin fails (fail closed)`
    : `Command denied by plugin '${denial.plugin}': ${denial.reason}`;
  // The same `{ rule, reason, command }` as a policy denial (PolicyDeniedData), plus the plugin.
  return new OrchflowError(ErrorCode.PolicyDenied, message, {
    rule: `plugin:${denial.plugin}`,
    reason: denial.reason,
    command,
    plugin: denial.plugin,
    pluginFailed: denial.failed,
    terminalId: record.id,
    agentId: record.agentId,
  });
}
