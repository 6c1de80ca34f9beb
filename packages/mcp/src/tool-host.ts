// What the tool handlers need from the server that registers them: the calling MCP client's
// session (resolved per call, because one server may serve many clients over HTTP).
import type { ServerContext } from '@modelcontextprotocol/server';
import type { AgentSession } from './session';

/** The calling client's session, resolved from a request's context. */
export interface ToolHost {
  session(ctx: ServerContext): Promise<AgentSession>;
}

/** Sends `notifications/progress` when the request carries a progress token; never throws. */
export function progressSender(
  ctx: ServerContext,
): ((progress: number, message: string) => void) | undefined {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, message) => {
    void ctx.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken: token, progress, message } })
      .catch(() => undefined);
  };
}
