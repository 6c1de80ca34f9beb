// Errors of the resource requests (`resources/read`, `resources/subscribe`) as MCP errors.
// Tool calls turn errors into `isError` results (results.ts); these requests answer with a
// JSON-RPC error instead, and an OrchflowError thrown as it is would carry orchflow's own code,
// which means something else in MCP (TerminalNotFound's -32001 is the SDK's RequestTimeout,
// PolicyDenied's -32002 was MCP's "resource not found").
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import { ErrorCode, isOrchflowError } from '@orchflow/protocol';

/** Runs a resource request's body; an OrchflowError becomes the MCP error for `uri`. */
export async function resourceGuarded<T>(uri: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw mcpErrorOf(error, uri);
  }
}

/** The MCP error for `error` met while serving resource `uri` (other errors pass unchanged). */
export function mcpErrorOf(error: unknown, uri: string): unknown {
  if (!isOrchflowError(error)) return error;
  const message = `${error.codeName ?? 'Error'}: ${error.message}`;
  if (error.code === ErrorCode.TerminalNotFound || error.code === ErrorCode.TerminalExited) {
    return new ResourceNotFoundError(uri, message);
  }
  const code =
    error.code === ErrorCode.InvalidParams
      ? ProtocolErrorCode.InvalidParams
      : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, message);
}
