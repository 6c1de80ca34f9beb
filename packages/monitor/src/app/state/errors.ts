// Turns whatever a call threw into one line for a toast: orchflow errors keep their code's name
// (Forbidden, FloorHeld…) so a person can tell a refusal from a failure.
import { ErrorCode, isOrchflowError } from '@orchflow/client';

const codeNames = new Map<number, string>(
  Object.entries(ErrorCode).flatMap(([name, code]) => (typeof code === 'number' ? [[code, name]] : [])),
);

/** A one-line description of `error`. */
export function describeError(error: unknown): string {
  if (isOrchflowError(error)) {
    const name = typeof error.code === 'number' ? codeNames.get(error.code) : error.code;
    return name ? `${name}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
