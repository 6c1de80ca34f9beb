// Auditing MCP calls: every tool call and resource read, reads included, goes to the audit log
// once it ended, naming the principal, client, agent, tool, terminal and outcome (never output or
// argument bodies, so an entry stays small). A call whose entry cannot be written returns an
// error instead of its result: output is not handed out unrecorded (fail closed, as commands are).
// An entry's error text (it may quote a command, or a typed terminal id) is redacted like the
// orchestrator's own entries before it is cut to size: a secret cut short is no longer whole.
// A log that cannot be written is the server's own failure (its error names the log's path): it
// gets an error id (`internalFailure`, as an RPC handler's InternalError does), the caller is told
// as much of it as its transport allows, and the server's onError hears it in full under that id.
import { type CallToolResult, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { type InternalErrorDetail, internalFailure, type Principal } from '@orchflow/protocol';
import { type AuditToolCall, createRedactor, type Redactor } from '@orchflow/security';

/** Where audit entries go: an `AuditLog` from `@orchflow/security` (the orchestrator's own, to share one chain). */
export interface McpAuditSink {
  append(record: AuditToolCall): Promise<unknown>;
}

/** Most characters of an error message an audit entry keeps. */
export const AUDIT_ERROR_CHARS = 300;

/** Most characters of a terminal id an audit entry keeps. */
const AUDIT_TERMINAL_ID_CHARS = 200;

// Text past this is never kept, and no secret or pattern match is longer (patterns are bounded to
// 64 KiB, secrets far less), so redacting only this much keeps the kept part clean.
const REDACTED_TEXT_CHARS = 128 * 1024;

/**
 * Redacts an MCP audit entry before it is written: `Orchestrator.redactAuditRecord` (the
 * terminal's secrets, as the orchestrator redacts its own entries), or {@link builtinAuditRedaction}.
 */
export type McpAuditRedaction = (record: AuditToolCall) => AuditToolCall;

let builtins: Redactor | undefined;

/**
 * The redaction of an MCP server that knows no orchestrator (a front for a running server): the
 * built-in patterns only (AWS access keys, GitHub tokens, private keys).
 */
export function builtinAuditRedaction(record: AuditToolCall): AuditToolCall {
  builtins ??= createRedactor();
  const redactor = builtins;
  return {
    ...record,
    ...(record.terminalId === undefined ? {} : { terminalId: redactor.redact(record.terminalId) }),
    ...(record.error === undefined ? {} : { error: redactor.redact(record.error) }),
  };
}

/** How an audit entry names a principal: `<kind>` or `<kind>:<name>`. */
export function principalLabel(principal: Principal | undefined): string | undefined {
  if (principal === undefined) return undefined;
  return principal.name ? `${principal.kind}:${principal.name}` : principal.kind;
}

/** Who made a call and what it touched, as the audit entry records it. */
export interface AuditSubject {
  tool: string;
  principal?: Principal;
  client: string;
  agentId: string;
  terminalId?: string;
}

/**
 * The audit entry of a call that ended with `result` (a tool result) or threw `error`, passed
 * through `redact` before its error text and terminal id are cut to size.
 */
export function auditEntry(
  subject: AuditSubject,
  startedAt: number,
  outcome: { result?: unknown; error?: unknown },
  redact: McpAuditRedaction = builtinAuditRedaction,
): AuditToolCall {
  const failure = failureText(outcome);
  const principal = principalLabel(subject.principal);
  const terminalId = subject.terminalId?.slice(0, REDACTED_TEXT_CHARS);
  const entry = redact({
    kind: 'tool',
    tool: subject.tool,
    ...(principal === undefined ? {} : { principal }),
    client: subject.client,
    agentId: subject.agentId,
    ...(terminalId === undefined ? {} : { terminalId }),
    outcome: failure === undefined ? 'ok' : 'error',
    ...(failure === undefined ? {} : { error: failure.slice(0, REDACTED_TEXT_CHARS) }),
    durationMs: Date.now() - startedAt,
  });
  if (entry.terminalId !== undefined) entry.terminalId = entry.terminalId.slice(0, AUDIT_TERMINAL_ID_CHARS);
  if (entry.error !== undefined) entry.error = entry.error.slice(0, AUDIT_ERROR_CHARS);
  return entry;
}

function failureText(outcome: { result?: unknown; error?: unknown }): string | undefined {
  if ('error' in outcome && outcome.error !== undefined) {
    const error = outcome.error;
    return error instanceof Error ? error.message : String(error);
  }
  const result = outcome.result as CallToolResult | undefined;
  if (result?.isError !== true) return undefined;
  const first = result.content?.[0];
  return first?.type === 'text' ? first.text : 'error';
}

/** How the failure to write a call's audit entry is told: to its caller, and to the server. */
export interface AuditFailureReporting {
  /**
   * `full` (default): the caller gets the sink's own error; `redacted` (a client on another host):
   * only what failed. Either way with the error id `onError` hears.
   */
  detail?: InternalErrorDetail;
  /** Hears the failure in full (an `InternalErrorReport`, the thrown error as `cause`). */
  onError?: (error: Error) => void;
}

/** What the caller of `tool` is told of `error`, its audit entry's failure, and that answer's data. */
function auditFailure(
  error: unknown,
  tool: string,
  reporting: AuditFailureReporting,
): { text: string; data?: unknown } {
  const failure = internalFailure(error, `'${tool}'`, reporting.detail ?? 'full');
  // A sink that threw a typed error (not an internal one) meant it for the caller.
  if (!failure) return { text: error instanceof Error ? error.message : String(error) };
  try {
    reporting.onError?.(failure.report);
  } catch {
    // A reporting hook that throws must not turn the withheld result into a crash.
  }
  const { message, data } = failure.answer;
  const text = message.includes(failure.errorId) ? message : `${message} (error id ${failure.errorId})`;
  return { text, data };
}

/** The tool error returned instead of a result whose audit entry could not be written. */
export function auditFailedResult(
  error: unknown,
  tool: string,
  reporting: AuditFailureReporting = {},
): CallToolResult {
  const { text } = auditFailure(error, tool, reporting);
  return {
    content: [
      {
        type: 'text',
        text: `Error: the audit log could not record this call, so its result is withheld: ${text}`,
      },
    ],
    isError: true,
  };
}

/** The MCP error a resource read whose audit entry could not be written fails with. */
function auditFailedRead(error: unknown, reporting: AuditFailureReporting): ProtocolError {
  const { text, data } = auditFailure(error, 'resources/read', reporting);
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    `The audit log could not record this read, so its result is withheld: ${text}`,
    data,
  );
}

/** How {@link auditedRun} redacts entries and tells of one it could not write. */
export interface AuditedRunOptions extends AuditFailureReporting {
  redact?: McpAuditRedaction;
}

/**
 * Runs a call and appends its audit entry (subject, outcome, duration; redacted by `redact`). When
 * the entry cannot be written (or redacted), a tool call returns {@link auditFailedResult} instead
 * of its result and a resource read fails; either way as `options` tells (see
 * {@link AuditFailureReporting}).
 */
export async function auditedRun(
  audit: McpAuditSink,
  subject: Omit<AuditSubject, 'agentId'>,
  agentId: () => string,
  isTool: boolean,
  run: () => unknown,
  options: AuditedRunOptions = {},
): Promise<unknown> {
  const startedAt = Date.now();
  const record = async (outcome: { result?: unknown; error?: unknown }) =>
    audit.append(auditEntry({ ...subject, agentId: agentId() }, startedAt, outcome, options.redact));
  const failed = (failure: unknown) => {
    if (isTool) return auditFailedResult(failure, subject.tool, options);
    throw auditFailedRead(failure, options);
  };
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    try {
      await record({ error });
    } catch (failure) {
      return failed(failure);
    }
    throw error;
  }
  try {
    await record({ result });
  } catch (failure) {
    return failed(failure);
  }
  return result;
}
