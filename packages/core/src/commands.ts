// Admission and execution of commands. `admit` is the single gate every command passes —
// `execute`, batches and transactions alike — so the security layer's command policy plugs in at
// one place. Today it checks the terminal (registered, not exited) and asks the plugins in
// registration order; a denial is a PolicyDenied error and a `security.alert` event.
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ExecResult, OrchflowError } from '@orchflow/protocol';
import type { ExecOptions } from '@orchflow/terminal';
import { terminalExited } from './errors';
import type { EventBus } from './event-bus';
import type { CommandStartEvent } from './events';
import type { PluginDenial, PluginHost } from './plugins';
import type { TerminalRecord, TerminalRegistry } from './registry';

/** What the runner needs from the orchestrator. */
export interface CommandRunnerDeps {
  registry: TerminalRegistry;
  plugins: PluginHost;
  events: EventBus;
  defaultTimeoutMs: number | undefined;
}

function denied(denial: PluginDenial, record: TerminalRecord): OrchflowError {
  const message = denial.failed
    ? `Command denied: plugin '${denial.plugin}' failed (${denial.reason}); commands are refused while a plugin fails (fail closed)`
    : `Command denied by plugin '${denial.plugin}': ${denial.reason}`;
  return new OrchflowError(ErrorCode.PolicyDenied, message, {
    plugin: denial.plugin,
    reason: denial.reason,
    pluginFailed: denial.failed,
    terminalId: record.id,
    agentId: record.agentId,
  });
}

/** Admits and runs commands, emitting `command.start` / `command.end`. */
export class CommandRunner {
  /** Commands started since the orchestrator was created. */
  executed = 0;

  /** A runner over the orchestrator's registry, plugins and events. */
  constructor(private readonly deps: CommandRunnerDeps) {}

  /**
   * Decides whether `command` may run on `terminalId`; resolves with the terminal's record or
   * rejects with TerminalNotFound, TerminalExited or PolicyDenied.
   */
  async admit(terminalId: string, command: string): Promise<TerminalRecord> {
    const { registry, plugins, events } = this.deps;
    const record = registry.get(terminalId);
    if (record.session.exitInfo) throw terminalExited(record.id, record.session.exitInfo);
    const denial = await plugins.admit({
      command,
      terminalId: record.id,
      agentId: record.agentId,
      cwd: record.session.cwd,
    });
    if (denial) {
      const error = denied(denial, record);
      events.emit('security.alert', {
        severity: denial.failed ? 'critical' : 'warning',
        agentId: record.agentId,
        terminalId: record.id,
        command,
        reason: error.message,
        rule: `plugin:${denial.plugin}`,
      });
      throw error;
    }
    return record;
  }

  /** Runs an admitted command on its terminal. */
  async run(record: TerminalRecord, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { events, defaultTimeoutMs } = this.deps;
    const opts =
      options.timeoutMs === undefined && defaultTimeoutMs !== undefined
        ? { ...options, timeoutMs: defaultTimeoutMs }
        : options;
    const start: CommandStartEvent = {
      commandId: randomUUID(),
      terminalId: record.id,
      agentId: record.agentId,
      command,
    };
    this.executed++;
    events.emit('command.start', start);
    const began = performance.now();
    try {
      const result = await record.session.execute(command, opts);
      events.emit('command.end', {
        ...start,
        durationMs: result.durationMs,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        truncated: result.truncated,
      });
      return result;
    } catch (error) {
      const failure = OrchflowError.from(error);
      events.emit('command.end', {
        ...start,
        durationMs: performance.now() - began,
        exitCode: null,
        signal: null,
        timedOut: false,
        truncated: false,
        error: failure.toJson(),
      });
      throw failure;
    }
  }

  /** Admits, then runs. */
  async execute(terminalId: string, command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.run(await this.admit(terminalId, command), command, options);
  }
}
