// Test helpers for internal errors: an orchestrator whose audit log is /dev/full (every command is
// refused with an InternalError naming the log's path), checks of a redacted answer and of the
// full report under the same error id, and the JSON log lines of a CLI child process.
import type { ChildProcess } from 'node:child_process';
import type { Orchestrator, OrchestratorOptions } from '@orchflow/core';
import {
  ErrorCode,
  type InternalErrorReport,
  internalErrorId,
  isOrchflowError,
  type OrchflowError,
} from '@orchflow/protocol';
import { expect } from 'vitest';
import { testOrchestrator } from './transport-harness';

/** The audit log every write to fails (ENOSPC). */
export const AUDIT_LOG = '/dev/full';
/** The answer a network client gets for a `terminal.execute` that failed inside the server. */
export const REDACTED =
  /^'terminal\.execute' failed on the server with an internal error \(error id ([0-9a-f]{12})\)\. Retrying may help; if it keeps failing, give the server's operator this error id: the server's log has the cause under it$/;

/** An orchestrator whose every command is refused because its audit log cannot be written. */
export function auditFailing(options: OrchestratorOptions = {}): Orchestrator {
  return testOrchestrator({ securityPolicy: { deniedCommands: ['rm'] }, auditLog: AUDIT_LOG, ...options });
}

/** The OrchflowError `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<OrchflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchflowError(error)).toBe(true);
  return error as OrchflowError;
}

/** Checks a redacted answer; returns its error id. */
export function expectRedacted(error: { code: number; message: string; data?: unknown }): string {
  expect(error.code).toBe(ErrorCode.InternalError);
  expect(error.message).toMatch(REDACTED);
  const errorId = (error.data as { errorId: string }).errorId;
  expect(error.message).toContain(errorId);
  expect(error.data).toEqual({ errorId });
  expect(JSON.stringify(error)).not.toMatch(/dev\/full|ENOSPC|\bat /);
  return errorId;
}

/** The report `errors` holds for `errorId`: the full message and the log's path. */
export function expectReported(errors: Error[], errorId: string): OrchflowError {
  const report = errors.find((e) => internalErrorId(e) === errorId) as OrchflowError | undefined;
  expect(report, `a report with error id ${errorId}`).toBeDefined();
  expect(report?.message).toMatch(/Audit log '\/dev\/full' could not be written \(ENOSPC/);
  expect(report?.data).toMatchObject({
    errorId,
    request: "'terminal.execute'",
    data: { path: AUDIT_LOG },
  } satisfies InternalErrorReport);
  return report as OrchflowError;
}

type LogLine = Record<string, unknown>;

/**
 * The JSON lines `child` writes to stderr (`--log-format json`): `lineWhere(check)` resolves with
 * the first that passes `check`, seen already or still to come; it rejects if the child exits first.
 */
export function jsonLogLines(child: ChildProcess): {
  lines: LogLine[];
  lineWhere: (check: (line: LogLine) => boolean) => Promise<LogLine>;
} {
  const lines: LogLine[] = [];
  const waiters: { check: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    partial += text;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.check(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  const lineWhere = (check: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = lines.find(check);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ check, resolve });
      child.once('close', () => reject(new Error(`the process exited; its log: ${JSON.stringify(lines)}`)));
    });
  };
  return { lines, lineWhere };
}
