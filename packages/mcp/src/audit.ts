// Auditing MCP calls: every tool call and resource read, reads included, goes to the audit log
// once it ended, naming the principal, client, agent, tool, terminal and outcome (never output or
// argument bodies, so an entry stays small). A call whose entry cannot be written returns an
// error instead of its result: output is not handed out unrecorded (fail closed, as commands are).
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Principal } from '@orchflow/protocol';
import type { AuditToolCall } from '@orchflow/security';

/** Where audit entries go: an `AuditLog` from `@orchflow/security` (the orchestrator's own, to share one chain). */
export interface McpAuditSink {
  append(record: AuditToolCall): Promise<unknown>;
}

/** Most characters of an error message an audit entry keeps. */
export const AUDIT_ERROR_CHARS = 300;

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

/** The audit entry of a call that ended with `result` (a tool result) or threw `error`. */
export function auditEntry(
  subject: AuditSubject,
  startedAt: number,
  outcome: { result?: unknown; error?: unknown },
): AuditToolCall {
  const failure = failureText(outcome);
  const principal = principalLabel(subject.principal);
  return {
    kind: 'tool',
    tool: subject.tool,
    ...(principal === undefined ? {} : { principal }),
    client: subject.client,
    agentId: subject.agentId,
    ...(subject.terminalId === undefined ? {} : { terminalId: subject.terminalId.slice(0, 200) }),
    outcome: failure === undefined ? 'ok' : 'error',
    ...(failure === undefined ? {} : { error: failure.slice(0, AUDIT_ERROR_CHARS) }),
    durationMs: Date.now() - startedAt,
  };
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

/** The tool error returned instead of a result whose audit entry could not be written. */
export function auditFailedResult(error: unknown): CallToolResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    content: [
      {
        type: 'text',
        text: `Error: the audit log could not record this call, so its result is withheld: ${message}`,
      },
    ],
    isError: true,
  };
}

/**
 * Runs a call and appends its audit entry (subject, outcome, duration). When the entry cannot be
 * written, a tool call returns {@link auditFailedResult} instead of its result and a resource read
 * fails.
 */
export async function auditedRun(
  audit: McpAuditSink,
  subject: Omit<AuditSubject, 'agentId'>,
  agentId: () => string,
  isTool: boolean,
  run: () => unknown,
): Promise<unknown> {
  const startedAt = Date.now();
  const record = (outcome: { result?: unknown; error?: unknown }) =>
    audit.append(auditEntry({ ...subject, agentId: agentId() }, startedAt, outcome));
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    try {
      await record({ error });
    } catch (failure) {
      if (isTool) return auditFailedResult(failure);
      throw failure;
    }
    throw error;
  }
  try {
    await record({ result });
  } catch (failure) {
    if (isTool) return auditFailedResult(failure);
    throw failure;
  }
  return result;
}
