// Admission and execution of commands. `admit` is the single gate every command passes —
// `execute`, batches and transactions alike: the terminal must be live, the security policy's
// command check must allow it, every plugin must allow it (seeing the policy's decision), and the
// decision must be on disk in the audit log (fail closed) — then it runs, and its end is audited
// too. A denial is a PolicyDenied error and a `security.alert` event.
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ExecResult, OrchflowError } from '@orchflow/protocol';
import { type PolicyDecision, policyDeniedError } from '@orchflow/security';
import type { ExecOptions } from '@orchflow/terminal';
import { terminalExited } from './errors';
import type { EventBus } from './event-bus';
import type { CommandStartEvent } from './events';
import type { PluginDenial, PluginHost } from './plugins';
import type { TerminalRecord, TerminalRegistry } from './registry';
import type { AuditSubject, SecurityGate } from './security';

/** What the runner needs from the orchestrator. */
export interface CommandRunnerDeps {
  registry: TerminalRegistry;
  plugins: PluginHost;
  events: EventBus;
  security: SecurityGate;
  defaultTimeoutMs: number | undefined;
}

/** An admitted command: its terminal, its audit subject and the policy's decision. */
export interface Admission {
  record: TerminalRecord;
  subject: AuditSubject;
  decision: PolicyDecision | undefined;
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

  /** A runner over the orchestrator's registry, plugins, events and security gate. */
  constructor(private readonly deps: CommandRunnerDeps) {}

  /**
   * Decides whether `command` may run on `terminalId`; resolves with its admission or rejects with
   * TerminalNotFound, TerminalExited, PolicyDenied, or InternalError when the audit log fails.
   */
  async admit(terminalId: string, command: string, principal?: string): Promise<Admission> {
    const { registry, plugins, security } = this.deps;
    const record = registry.get(terminalId);
    if (record.session.exitInfo) throw terminalExited(record.id, record.session.exitInfo);
    const cwd = record.session.cwd;
    const subject: AuditSubject = {
      commandId: randomUUID(),
      agentId: record.agentId,
      terminalId: record.id,
      command,
    };
    if (principal !== undefined) subject.principal = principal;
    const decision = await security.check(command, cwd);
    if (decision && !decision.allowed) {
      const base = policyDeniedError(command, decision);
      const data = { ...(base.data as object), terminalId: record.id, agentId: record.agentId };
      const error = new OrchflowError(base.code, base.message, data);
      await this.refuse(
        subject,
        cwd,
        { rule: decision.rule, reason: decision.reason, decision },
        error,
        'warning',
      );
    }
    const denial = await plugins.admit({
      command,
      terminalId: record.id,
      agentId: record.agentId,
      cwd,
      decision,
    });
    if (denial) {
      const verdict = { rule: `plugin:${denial.plugin}`, reason: denial.reason, decision };
      await this.refuse(
        subject,
        cwd,
        verdict,
        denied(denial, record),
        denial.failed ? 'critical' : 'warning',
      );
    }
    try {
      await security.recordDecision(subject, cwd, {
        allowed: true,
        rule: decision?.rule,
        reason: decision?.reason,
        decision,
      });
    } catch (error) {
      const failure = OrchflowError.from(error);
      this.alert(subject, 'critical', failure.message, 'audit-log');
      throw failure;
    }
    return { record, subject, decision };
  }

  /** Runs an admitted command on its terminal and audits how it ended. */
  async run(admission: Admission, options: ExecOptions = {}): Promise<ExecResult> {
    const { events, defaultTimeoutMs, security } = this.deps;
    const { record, subject } = admission;
    const timeoutMs = security.timeoutFor(options.timeoutMs, defaultTimeoutMs);
    const opts = timeoutMs === options.timeoutMs ? options : { ...options, timeoutMs };
    const start: CommandStartEvent = {
      commandId: subject.commandId,
      terminalId: record.id,
      agentId: record.agentId,
      command: subject.command,
    };
    this.executed++;
    events.emit('command.start', start);
    const began = performance.now();
    let result: ExecResult;
    try {
      result = await record.session.execute(subject.command, opts);
    } catch (error) {
      const failure = OrchflowError.from(error);
      const durationMs = performance.now() - began;
      events.emit('command.end', {
        ...start,
        durationMs,
        exitCode: null,
        signal: null,
        timedOut: false,
        truncated: false,
        error: failure.toJson(),
      });
      await security.recordEnd(subject, durationMs, undefined, failure).catch(() => undefined);
      throw failure;
    }
    events.emit('command.end', {
      ...start,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      truncated: result.truncated,
    });
    // The command already ran; a log that fails now refuses the next command, not this result.
    await security.recordEnd(subject, result.durationMs, result).catch(() => undefined);
    return result;
  }

  /** Admits, then runs. */
  async execute(
    terminalId: string,
    command: string,
    options?: ExecOptions,
    principal?: string,
  ): Promise<ExecResult> {
    return this.run(await this.admit(terminalId, command, principal), options);
  }

  private async refuse(
    subject: AuditSubject,
    cwd: string,
    verdict: { rule: string; reason: string; decision: PolicyDecision | undefined },
    error: OrchflowError,
    severity: 'warning' | 'critical',
  ): Promise<never> {
    this.alert(subject, severity, error.message, verdict.rule);
    await this.deps.security
      .recordDecision(subject, cwd, { allowed: false, ...verdict })
      .catch(() => undefined);
    throw error;
  }

  private alert(subject: AuditSubject, severity: 'warning' | 'critical', reason: string, rule: string): void {
    this.deps.events.emit('security.alert', {
      severity,
      agentId: subject.agentId,
      terminalId: subject.terminalId,
      command: subject.command,
      reason,
      rule,
    });
  }
}
