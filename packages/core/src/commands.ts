// Admission and execution of commands. `admit` is the single gate every command passes —
// `execute`, batches and transactions alike: the terminal must be live, the security policy's
// command check must allow it, every plugin must allow it (seeing the policy's decision), and the
// decision must be on disk in the audit log (fail closed) — then it runs, and its end is audited
// too. A denial is a PolicyDenied error and a `security.alert` event. A terminal's commands are
// admitted and run one at a time (see lanes.ts), so each is checked against the live cwd; a
// command admitted ahead of time (a transaction's) is re-checked against it right before it runs.
// A caller whose principal carries a ConnectionPolicy is held to it as well: the orchestrator's
// policy judges first, then the caller's (its denials' rules start with `connection:`), and its
// executionTimeoutMs caps the command too.
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ExecResult, OrchflowError, type Principal } from '@orchflow/protocol';
import type { IsolationLevel, PolicyDecision } from '@orchflow/security';
import { policyDeniedError } from '@orchflow/security/internal';
import { ConnectionPolicy } from './connection-policy';
import { pluginDenied, terminalExited } from './errors';
import type { EventBus } from './event-bus';
import { AUDIT_LOG_ALERT_RULE, type CommandStartEvent, type OrchestratorExecOptions } from './events';
import type { FloorControl } from './floor';
import { TerminalLanes } from './lanes';
import type { PluginHost } from './plugins';
import type { TerminalRecord, TerminalRegistry } from './registry';
import { type AuditSubject, principalLabel, type SecurityGate } from './security';
import { tracesCommandLine } from './tracing/command-line';
import { CommandTrace } from './tracing/command-trace';

/** What the runner needs from the orchestrator. */
export interface CommandRunnerDeps {
  registry: TerminalRegistry;
  plugins: PluginHost;
  events: EventBus;
  security: SecurityGate;
  defaultTimeoutMs: number | undefined;
  floor: FloorControl;
}

/** Who asks for a command: the RPC layer passes its connection's principal. */
export interface CallContext {
  /**
   * Recorded in the audit log. A principal carrying a {@link ConnectionPolicy} (see
   * `ConnectionPolicy.bind`) is held to that policy in addition to the orchestrator's.
   */
  principal?: Principal;
  /**
   * The caller's floor key (see `FloorClaim.key`): while a person holds a terminal's floor, only
   * calls carrying their key may run commands or type in it; the RPC layer passes its connection's.
   */
  floorKey?: string;
}

/** How a command is admitted. */
export interface AdmitOptions extends CallContext {
  /**
   * Commands that will run on the same terminal before this one (a transaction's): the policy
   * also judges them together with this one, so a `cd` among them moves this one's cwd.
   */
  preceding?: readonly string[];
  /** `raw-input`: a line typed with `write()` at the shell's prompt (see raw-input.ts), recorded as such. */
  source?: 'raw-input';
  /** The command's `orchflow.execute` span, when it is traced (see tracing/command-trace.ts). */
  trace?: CommandTrace | undefined;
}

/** An admitted command: its terminal, its audit subject, the policy's decision and the caller's policy. */
export interface Admission {
  record: TerminalRecord;
  subject: AuditSubject;
  decision: PolicyDecision | undefined;
  caller: ConnectionPolicy | undefined;
  /** The caller's floor key, checked again right before the command runs. */
  floorKey?: string | undefined;
}

/** Admits and runs commands, emitting `command.start` / `command.end`. */
export class CommandRunner {
  /** Commands started since the orchestrator was created. */
  executed = 0;
  private readonly lanes = new TerminalLanes();

  /** A runner over the orchestrator's registry, plugins, events and security gate. */
  constructor(private readonly deps: CommandRunnerDeps) {}

  /**
   * Decides whether `command` may run on `terminalId`; resolves with its admission or rejects with
   * TerminalNotFound, TerminalExited, PolicyDenied, or InternalError when the audit log fails.
   */
  async admit(terminalId: string, command: string, options: AdmitOptions = {}): Promise<Admission> {
    const { registry, plugins, security } = this.deps;
    const record = registry.get(terminalId);
    if (record.session.exitInfo) throw terminalExited(record.id, record.session.exitInfo);
    this.deps.floor.assertClear(record.id, options.floorKey);
    const cwd = record.session.cwd;
    const subject: AuditSubject = {
      commandId: randomUUID(),
      agentId: record.agentId,
      terminalId: record.id,
      command,
    };
    if (options.principal !== undefined) subject.principal = principalLabel(options.principal);
    if (options.source !== undefined) subject.source = options.source;
    const caller = ConnectionPolicy.of(options.principal);
    // (Arguments are not evaluated for an untraced command.)
    options.trace?.admitting(
      { ...subject, command: security.redactions.redact(record.id, subject.command) },
      cwd,
      record.session.pid,
      tracesCommandLine(security.securityPolicy, caller?.policy),
    );
    // Without a policy to judge it there is no decision, and (untraced) no check to wait for.
    const decision =
      options.trace || security.judges(caller)
        ? await CommandTrace.policyCheck(options.trace, () =>
            this.judge(command, cwd, options.preceding ?? [], caller),
          )
        : undefined;
    if (decision && !decision.allowed) await this.refuseDecision(subject, record, cwd, decision);
    const denial =
      plugins.size === 0
        ? undefined
        : await plugins.admit({ command, terminalId: record.id, agentId: record.agentId, cwd, decision });
    if (denial) {
      // A plugin's reason may quote the command too.
      const reason = security.redactions.denialReason(record.id, denial.reason);
      const verdict = { rule: `plugin:${denial.plugin}`, reason, decision, isolation: record.isolation };
      await this.refuse(
        subject,
        cwd,
        verdict,
        pluginDenied({ ...denial, reason }, record, security.redactions.redact(record.id, command)),
        denial.failed ? 'critical' : 'warning',
      );
    }
    try {
      const recorded = security.recordDecision(subject, cwd, {
        allowed: true,
        rule: decision?.rule,
        reason: decision?.reason,
        decision,
        isolation: record.isolation,
      });
      if (recorded) await recorded;
    } catch (error) {
      const failure = OrchflowError.from(error);
      this.alert(subject, 'critical', failure.message, AUDIT_LOG_ALERT_RULE);
      throw failure;
    }
    return { record, subject, decision, caller, floorKey: options.floorKey };
  }

  /**
   * Runs a command admitted ahead of time (a transaction's) once it reaches the front of its
   * terminal's lane, after checking it again against the terminal's live cwd; rejects with
   * PolicyDenied (and does not run it) when that re-check denies it.
   */
  runAdmitted(admission: Admission, options: OrchestratorExecOptions = {}): Promise<ExecResult> {
    const { record, subject } = admission;
    return this.lanes.run(
      record.id,
      async () => {
        this.deps.floor.assertClear(record.id, admission.floorKey);
        const cwd = record.session.cwd;
        const decision = await this.deps.security.check(subject.command, cwd, admission.caller);
        if (decision && !decision.allowed) {
          const note = ` (re-checked right before it ran, in the terminal's current directory ${cwd})`;
          await this.refuseDecision(subject, record, cwd, decision, note);
        }
        return this.run(admission, options);
      },
      options.signal,
    );
  }

  /** Runs an admitted command on its terminal and audits how it ended. */
  private async run(
    admission: Admission,
    options: OrchestratorExecOptions = {},
    trace?: CommandTrace,
  ): Promise<ExecResult> {
    const { events, defaultTimeoutMs, security } = this.deps;
    const { record, subject } = admission;
    // A per-command environment is the tracer's alone (never the caller's: it would bypass the policy).
    const {
      onStart,
      env: _notTheCallers,
      ...execOptions
    } = options as OrchestratorExecOptions & { env?: unknown };
    const timeoutMs = security.timeoutFor(options.timeoutMs, defaultTimeoutMs, admission.caller);
    const limited = timeoutMs === options.timeoutMs ? execOptions : { ...execOptions, timeoutMs };
    // Only a traced command gets TRACEPARENT; untraced, the options pass as they were.
    const opts = trace ? { ...limited, env: trace.environment() } : limited;
    const start: CommandStartEvent = {
      commandId: subject.commandId,
      terminalId: record.id,
      agentId: record.agentId,
      command: subject.command,
    };
    this.executed++;
    events.emit('command.start', start);
    // onStart waits for the backend: only then does the command read what is written to it.
    const started = onStart && (() => events.guard('the onStart callback', () => onStart(start)));
    const began = performance.now();
    let result: ExecResult;
    try {
      result = await record.session.execute(subject.command, started ? { ...opts, onStart: started } : opts);
    } catch (error) {
      const failure = OrchflowError.from(error);
      const durationMs = performance.now() - began;
      if (events.wants('command.end')) {
        events.emit('command.end', {
          ...start,
          durationMs,
          exitCode: null,
          signal: null,
          timedOut: false,
          truncated: false,
          error: failure.toJson(),
        });
      }
      const recorded = this.recordEnd(subject, durationMs, undefined, failure);
      if (recorded) await recorded;
      throw failure;
    }
    if (events.wants('command.end')) {
      events.emit('command.end', {
        ...start,
        durationMs: result.durationMs,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        truncated: result.truncated,
      });
    }
    const recorded = this.recordEnd(subject, result.durationMs, result);
    if (recorded) await recorded;
    // The command ended the shell (`exit 3`): the result says so only once the terminal is
    // exited everywhere — its state, exit code and `exited`, and `terminal.exit` — not ~20 ms
    // later, when its process tree is reaped (bounded: that reaping escalates to SIGKILL).
    if (result.shellExited) await record.session.exited;
    return result;
  }

  // The command already ran; a log that fails now refuses the next command, not this result.
  // Undefined without an audit log: nothing to wait for.
  private recordEnd(
    subject: AuditSubject,
    durationMs: number,
    result: ExecResult | undefined,
    error?: OrchflowError,
  ): Promise<void> | undefined {
    const alert = (failure: unknown): void =>
      this.alert(subject, 'critical', OrchflowError.from(failure).message, AUDIT_LOG_ALERT_RULE);
    try {
      return this.deps.security.recordEnd(subject, durationMs, result, error)?.catch(alert);
    } catch (failure) {
      // Thrown before the write began (a span processor that throws): the same alert, not a throw.
      alert(failure);
      return undefined;
    }
  }

  /**
   * Admits (against the live cwd, once earlier commands of the terminal are done), then runs.
   * While someone else holds the terminal's floor it fails with FloorHeld at once, or with
   * `waitForFloor` first waits for the release within the command's timeout (see floor.ts).
   */
  execute(
    terminalId: string,
    command: string,
    options: OrchestratorExecOptions = {},
    context: CallContext = {},
  ): Promise<ExecResult> {
    return CommandTrace.around(terminalId, (trace) =>
      this.schedule(terminalId, command, options, context, trace),
    );
  }

  // execute() without its span: waits for the floor if asked, then admits and runs in the lane.
  private schedule(
    terminalId: string,
    command: string,
    options: OrchestratorExecOptions,
    context: CallContext,
    trace: CommandTrace | undefined,
  ): Promise<ExecResult> {
    const { waitForFloor, ...rest } = options;
    const attempt = (opts: OrchestratorExecOptions): Promise<ExecResult> =>
      this.lanes.run(
        terminalId,
        async () =>
          this.run(
            await this.admit(terminalId, command, trace ? { ...context, trace } : context),
            opts,
            trace,
          ),
        opts.signal,
      );
    const { floor, security, defaultTimeoutMs } = this.deps;
    if (!waitForFloor) {
      floor.assertClear(terminalId, context.floorKey);
      return attempt(rest);
    }
    const caller = ConnectionPolicy.of(context.principal);
    const budget = security.timeoutFor(rest.timeoutMs, defaultTimeoutMs, caller);
    const wait = { timeoutMs: budget, signal: rest.signal };
    // The command runs with what the wait left of its timeout.
    const left = (waitedMs: number): number | undefined =>
      budget === undefined ? undefined : Math.max(1, Math.ceil(budget - waitedMs));
    return floor.afterWait(terminalId, context.floorKey, wait, (waitedMs) =>
      attempt(budget === undefined ? rest : { ...rest, timeoutMs: left(waitedMs) }),
    );
  }

  /** The policies' verdict on `command`, and on it after `preceding` when the one alone is allowed. */
  private async judge(
    command: string,
    cwd: string,
    preceding: readonly string[],
    caller: ConnectionPolicy | undefined,
  ): Promise<PolicyDecision | undefined> {
    const alone = await this.deps.security.check(command, cwd, caller);
    if (!alone?.allowed || preceding.length === 0) return alone;
    const together = await this.deps.security.check([...preceding, command].join('\n'), cwd, caller);
    if (!together || together.allowed) return alone;
    return {
      ...together,
      reason: `after the ${preceding.length} earlier command(s) of the transaction on this terminal: ${together.reason}`,
    };
  }

  private async refuseDecision(
    subject: AuditSubject,
    record: TerminalRecord,
    cwd: string,
    decision: PolicyDecision,
    note = '',
  ): Promise<never> {
    // The reason quotes up to 80 characters of the command: it goes out (error, alert, audit log)
    // without the terminal's secrets, nor the start of one that the quote cut off.
    const { redactions } = this.deps.security;
    const reason = redactions.denialReason(record.id, decision.reason);
    const shown = redactions.redact(record.id, subject.command);
    const base = policyDeniedError(shown, { ...decision, reason });
    const data = { ...(base.data as object), terminalId: record.id, agentId: record.agentId, cwd };
    // A command over the policy's size limit is bad input, not a judged command (still audited).
    const code = decision.rule === 'too-large' ? ErrorCode.InvalidParams : base.code;
    const error = new OrchflowError(code, `${base.message}${note}`, data);
    return this.refuse(
      subject,
      cwd,
      { rule: decision.rule, reason, decision, isolation: record.isolation },
      error,
      'warning',
    );
  }

  private async refuse(
    subject: AuditSubject,
    cwd: string,
    verdict: {
      rule: string;
      reason: string;
      decision: PolicyDecision | undefined;
      isolation: IsolationLevel | undefined;
    },
    error: OrchflowError,
    severity: 'warning' | 'critical',
  ): Promise<never> {
    this.alert(subject, severity, error.message, verdict.rule);
    try {
      await this.deps.security.recordDecision(subject, cwd, { allowed: false, ...verdict });
    } catch (cause) {
      // A denial nobody can read later is an incident of its own: say so loudly, never swallow it.
      const failure = OrchflowError.from(cause);
      this.alert(subject, 'critical', failure.message, AUDIT_LOG_ALERT_RULE);
      throw new OrchflowError(
        failure.code,
        `${error.message}. The denial could not be recorded in the audit log: ${failure.message}`,
        { ...(failure.data as object), denial: error.toJson() },
        { cause: failure },
      );
    }
    throw error;
  }

  private alert(subject: AuditSubject, severity: 'warning' | 'critical', reason: string, rule: string): void {
    const { redactions } = this.deps.security;
    this.deps.events.emit('security.alert', {
      severity,
      agentId: subject.agentId,
      terminalId: subject.terminalId,
      // Alerts reach every admin connection: no secret in them.
      command: redactions.redact(subject.terminalId, subject.command),
      reason: redactions.redact(subject.terminalId, reason),
      rule,
    });
  }
}
