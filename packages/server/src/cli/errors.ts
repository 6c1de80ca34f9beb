// How the CLI reports failures: one line saying what went wrong and what to do, the error's
// code name when it came from a server, and exit status 1 (2 for usage errors from commander).
import { isOrchflowError, isOrchflowLocalError } from '@orchflow/protocol';

/** Prints `error` for a human on stderr. */
export function reportError(error: unknown): void {
  if (isOrchflowError(error)) {
    process.stderr.write(`orchflow: ${error.message} (${error.codeName})\n`);
  } else if (isOrchflowLocalError(error)) {
    process.stderr.write(`orchflow: ${error.message}\n`);
  } else {
    process.stderr.write(`orchflow: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
