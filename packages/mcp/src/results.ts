// Tool results: structured content plus a short text rendering, and errors as `isError` results
// whose text names what refused and why (a policy denial names the rule), so the agent can adapt.
import type { CallToolResult } from '@modelcontextprotocol/server';
import { isOrchflowError, policyDenial } from '@orchflow/protocol';

/** A successful tool result. */
export function ok<T extends object>(structured: T, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
}

/** The tool error for `error`: a policy denial names its rule and reason. */
export function toolError(error: unknown): CallToolResult {
  const denial = policyDenial(error);
  let text: string;
  if (denial) {
    text = `Denied by policy rule '${denial.rule}': ${denial.reason}${denial.command ? ` (command: ${denial.command})` : ''}`;
  } else if (isOrchflowError(error)) {
    text = `${error.codeName ?? 'Error'}: ${error.message}`;
  } else {
    text = `Error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { content: [{ type: 'text', text }], isError: true };
}

/** Runs a tool body, turning a thrown error into a tool error result. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return toolError(error);
  }
}
