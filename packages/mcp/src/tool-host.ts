// What the tool handlers need from the server that registers them: the calling MCP client's
// session (resolved per call, because one server may serve many clients over HTTP).
import type { ServerContext } from '@modelcontextprotocol/server';
import type { AgentSession } from './session';

/** The calling client's session, resolved from a request's context. */
export interface ToolHost {
  session(ctx: ServerContext): Promise<AgentSession>;
}

// W3C trace context fields; the orchflow server parses them strictly (malformed ones are ignored).
const TRACE_FIELDS = ['traceparent', 'tracestate'] as const;

/**
 * The W3C trace context (`traceparent`, `tracestate`) of a tool call's `_meta`, to forward in the
 * orchflow request's `_meta` so the server's spans join the MCP client's trace; undefined without.
 */
export function traceMetaOf(ctx: ServerContext): Record<string, string> | undefined {
  const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
  let found: Record<string, string> | undefined;
  for (const field of TRACE_FIELDS) {
    const value = meta?.[field];
    if (typeof value === 'string' && value.length <= 512) found = { ...found, [field]: value };
  }
  return found?.traceparent === undefined ? undefined : found;
}

/** Sends `notifications/progress` when the request carries a progress token; never throws. */
export function progressSender(
  ctx: ServerContext,
): ((progress: number, total: number, message: string) => void) | undefined {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, total, message) => {
    void ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      })
      .catch(() => undefined);
  };
}
