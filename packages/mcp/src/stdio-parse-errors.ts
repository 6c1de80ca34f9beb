// Lines on stdin that are not MCP's JSON-RPC. The SDK's stdio reader skips a line that is not JSON
// without a word, and reports one that is JSON but not a JSON-RPC message as a raw schema dump, and
// answers neither: a client with a framing bug (or a person typing into `orchflow mcp`) waits
// forever. This reads the same chunks beside it and, for each such line, answers what JSON-RPC 2.0
// prescribes (-32700 for input that is not JSON, -32600 for an invalid request, with the request's
// id when it has one) and reports one short line. It never changes what the SDK reads.
import type { Readable, Writable } from 'node:stream';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';

/** JSON-RPC 2.0's code for input that is not JSON. */
export const PARSE_ERROR_CODE = -32700;
/** JSON-RPC 2.0's code for JSON that is not a valid request. */
export const INVALID_REQUEST_CODE = -32600;
/** Characters of a bad line quoted in its report. */
const QUOTED_CHARS = 80;

/**
 * Watches `stdin` for lines the SDK will drop (blank lines are ignored, as by the SDK), writes an
 * error response to `stdout` for each and calls `report`. Lines longer than `maxLineBytes` are not
 * checked: the SDK closes the connection over them. Returns the stop function.
 */
export function reportParseErrors(
  stdin: Readable,
  stdout: Writable,
  report: (error: Error) => void,
  maxLineBytes: number,
): () => void {
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let oversized = false;
  const answer = (id: string | number | null, code: number, message: string, report_: string) => {
    if (stdout.writable)
      stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`);
    report(new Error(report_));
  };
  const check = (line: string) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return;
    const quoted = JSON.stringify(text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      answer(
        null,
        PARSE_ERROR_CODE,
        `Parse error: the line is not JSON (${reason})`,
        `ignored a line that is not JSON (${reason}): ${quoted}; send one JSON-RPC message per line`,
      );
      return;
    }
    try {
      parseJSONRPCMessage(value);
    } catch (error) {
      const reason = firstIssue(error);
      answer(
        idOf(value),
        INVALID_REQUEST_CODE,
        `Invalid Request: not a JSON-RPC 2.0 message as MCP defines it (${reason})`,
        `ignored a message that is not JSON-RPC 2.0 as MCP defines it (${reason}): ${quoted}`,
      );
    }
  };
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
      const piece = bytes.subarray(start, end);
      if (!oversized && partialBytes + piece.length <= maxLineBytes) {
        check(
          partialBytes === 0 ? piece.toString('utf8') : Buffer.concat([...partial, piece]).toString('utf8'),
        );
      }
      partial = [];
      partialBytes = 0;
      oversized = false;
      start = end + 1;
    }
    if (start === bytes.length || oversized) return;
    const rest = bytes.subarray(start);
    partialBytes += rest.length;
    if (partialBytes > maxLineBytes) {
      // Past the SDK's limit: it closes the connection; keep nothing of this line.
      oversized = true;
      partial = [];
    } else {
      // A copy, so that a short tail does not keep its whole chunk alive.
      partial.push(Buffer.from(rest));
    }
  };
  stdin.on('data', onData);
  return () => stdin.off('data', onData);
}

/** The id of a rejected message, when it has a usable one (JSON-RPC answers with null otherwise). */
function idOf(value: unknown): string | number | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** The first schema issue of a rejection, as `path: message`, instead of the whole union's dump. */
function firstIssue(error: unknown): string {
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string; errors?: unknown[][] }[] })
    .issues;
  let issue = issues?.[0];
  // A union lists each branch's issues; the first branch (a request) says what a client meant.
  while (issue?.errors?.[0]?.[0]) issue = issue.errors[0][0] as typeof issue;
  if (!issue) return error instanceof Error ? error.message : String(error);
  const path = (issue.path ?? []).map(String).join('.');
  return path ? `${path}: ${issue.message}` : String(issue.message);
}
