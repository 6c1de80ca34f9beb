// One `orchflow.execute` span per command run through `Orchestrator.execute` (and batches), from
// the call until its result: waiting for the terminal's lane, admission, the run. Its children
// are `orchflow.policy.check` (the security policies' verdict) and `orchflow.audit.write` (each
// append to the audit log for it). The span is INTERNAL: over RPC the request's own SERVER span
// (see rpc-span.ts) is its parent, and in process the app's active span is. When no SDK is
// registered (or the span is not sampled) the span does not record, nothing else is done and the
// command runs exactly as untraced — no TRACEPARENT in its environment either. Until anything is
// registered with the OpenTelemetry API the API is not even loaded (see otel.ts).
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { ErrorCode, type ExecResult, isOrchflowError } from '@orchflow/protocol';
import type { PolicyDecision } from '@orchflow/security';
import { type Otel, registeredOtel } from './otel';
import { traceEnvironment } from './trace-context';
import { orchflowTracer } from './tracer';

/** Name of the span of one command. */
export const EXECUTE_SPAN_NAME = 'orchflow.execute';
/** Name of the child span around the security policies' check of a command. */
export const POLICY_CHECK_SPAN_NAME = 'orchflow.policy.check';
/** Name of the child span around one audit-log append for a command. */
export const AUDIT_WRITE_SPAN_NAME = 'orchflow.audit.write';

// Traced commands by audit command id, while they run: the security gate finds its command's
// trace by the id its audit records carry, without a trace threaded through every signature.
const byCommandId = new Map<string, CommandTrace>();

/** The command as the audit log names it. */
export interface CommandSubject {
  commandId: string;
  agentId: string;
  command: string;
}

/** The span of one command in flight. */
export class CommandTrace {
  private readonly context: Context;
  private commandId: string | undefined;
  // Error messages can quote the command (a denial's reason does): they reach the span only where
  // the command line may.
  private quotesCommand = false;

  private constructor(
    private readonly api: Otel,
    private readonly span: Span,
    parent: Context,
  ) {
    this.context = api.trace.setSpan(parent, span);
  }

  /**
   * Runs `run` inside a new `orchflow.execute` span (the active span while it runs) and ends the
   * span with its outcome; without a recording span `run` gets undefined and nothing is traced.
   */
  static around(
    terminalId: string,
    run: (trace: CommandTrace | undefined) => Promise<ExecResult>,
  ): Promise<ExecResult> {
    const api = registeredOtel();
    // Nothing registered with the API: its span could not record.
    if (api === undefined) return run(undefined);
    const parent = api.context.active();
    const attributes = { 'orchflow.terminal.id': terminalId };
    const span = orchflowTracer(api).startSpan(
      EXECUTE_SPAN_NAME,
      { kind: api.SpanKind.INTERNAL, attributes },
      parent,
    );
    if (!span.isRecording()) {
      span.end();
      return run(undefined);
    }
    const traced = new CommandTrace(api, span, parent);
    let running: Promise<ExecResult>;
    try {
      running = api.context.with(traced.context, () => run(traced));
    } catch (error) {
      traced.failed(error);
      throw error;
    }
    return running.then(
      (result) => {
        traced.ended(result);
        return result;
      },
      (error: unknown) => {
        traced.failed(error);
        throw error;
      },
    );
  }

  /** Runs the policy check of a traced command in an `orchflow.policy.check` child span. */
  static policyCheck(
    traced: CommandTrace | undefined,
    check: () => Promise<PolicyDecision | undefined>,
  ): Promise<PolicyDecision | undefined> {
    if (!traced) return check();
    return traced.child(POLICY_CHECK_SPAN_NAME, {}, check, (span, decision) => {
      span.setAttribute(
        'orchflow.policy.decision',
        decision === undefined || decision.allowed ? 'allowed' : 'denied',
      );
      if (decision?.rule) span.setAttribute('orchflow.policy.rule', decision.rule);
    });
  }

  /**
   * Runs one audit append for command `commandId` in an `orchflow.audit.write` child span when
   * that command is traced and there is an audit log (`logged`); otherwise just runs it.
   */
  static auditWrite(
    commandId: string,
    kind: string,
    logged: boolean,
    write: () => Promise<void>,
  ): Promise<void> {
    const traced = logged ? byCommandId.get(commandId) : undefined;
    return traced ? traced.child(AUDIT_WRITE_SPAN_NAME, { 'orchflow.audit.kind': kind }, write) : write();
  }

  /** Notes the admission decision for command `commandId` (as recorded in the audit log). */
  static decided(commandId: string, allowed: boolean): void {
    byCommandId.get(commandId)?.span.setAttribute('orchflow.policy.decision', allowed ? 'allowed' : 'denied');
  }

  /**
   * Admission starts: the command's agent, its directory and the terminal's shell pid (0 or
   * undefined: unknown) are known; `showCommand` says whether the policies let the span carry the
   * command line (see tracesCommandLine).
   */
  admitting(
    subject: CommandSubject,
    cwd: string | undefined,
    pid: number | undefined,
    showCommand: boolean,
  ): void {
    if (this.commandId !== undefined) byCommandId.delete(this.commandId);
    this.commandId = subject.commandId;
    byCommandId.set(subject.commandId, this);
    const attributes: Attributes = {
      'orchflow.agent.id': subject.agentId,
      'orchflow.command.id': subject.commandId,
    };
    if (cwd !== undefined) attributes['process.working_directory'] = cwd;
    if (pid) attributes['process.pid'] = pid;
    if (showCommand) attributes['process.command_line'] = subject.command;
    this.quotesCommand = showCommand;
    this.span.setAttributes(attributes);
  }

  /** TRACEPARENT/TRACESTATE of this span, for the command's environment. */
  environment(): Record<string, string> {
    return traceEnvironment(this.span.spanContext());
  }

  private child<T>(
    name: string,
    attributes: Attributes,
    step: () => Promise<T>,
    annotate?: (span: Span, value: T) => void,
  ): Promise<T> {
    const { api } = this;
    const span = orchflowTracer(api).startSpan(
      name,
      { kind: api.SpanKind.INTERNAL, attributes },
      this.context,
    );
    let running: Promise<T>;
    try {
      running = api.context.with(api.trace.setSpan(this.context, span), step);
    } catch (error) {
      endWithError(api, span, error, this.quotesCommand);
      throw error;
    }
    return running.then(
      (value) => {
        annotate?.(span, value);
        span.end();
        return value;
      },
      (error: unknown) => {
        endWithError(api, span, error, this.quotesCommand);
        throw error;
      },
    );
  }

  private ended(result: ExecResult): void {
    this.forget();
    const { span } = this;
    span.setAttribute('orchflow.policy.decision', 'allowed');
    if (result.exitCode !== null) span.setAttribute('process.exit.code', result.exitCode);
    if (result.signal !== null) span.setAttribute('orchflow.command.signal', result.signal);
    if (result.timedOut) span.setAttribute('orchflow.command.timed_out', true);
    const failure = result.timedOut
      ? `Command timed out after ${Math.round(result.durationMs)} ms`
      : result.signal !== null
        ? `Command ended by ${result.signal}`
        : result.exitCode !== 0
          ? `Command exited with code ${result.exitCode ?? 'unknown'}`
          : undefined;
    if (failure !== undefined) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: failure });
    span.end();
  }

  private failed(error: unknown): void {
    this.forget();
    if (isOrchflowError(error) && error.code === ErrorCode.PolicyDenied) {
      this.span.setAttribute('orchflow.policy.decision', 'denied');
      const rule = (error.data as { rule?: unknown } | undefined)?.rule;
      if (typeof rule === 'string') this.span.setAttribute('orchflow.policy.rule', rule);
    }
    endWithError(this.api, this.span, error, this.quotesCommand);
  }

  private forget(): void {
    if (this.commandId !== undefined && byCommandId.get(this.commandId) === this)
      byCommandId.delete(this.commandId);
  }
}

/** Ends `span` as failed with `error`; its message and exception event only when `detailed`. */
function endWithError(api: Otel, span: Span, error: unknown, detailed: boolean): void {
  if (isOrchflowError(error)) span.setAttribute('orchflow.error.code', error.code);
  let message =
    error instanceof Error ? `${error.name} ${isOrchflowError(error) ? error.code : ''}`.trim() : 'Error';
  if (detailed) {
    message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error) span.recordException(error);
  }
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
  span.end();
}
