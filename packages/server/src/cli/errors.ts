// How the CLI reports failures: one line saying what went wrong and what to do, the error's
// code name when it came from a server, and exit status 1 (2 for usage errors from commander).
import { ErrorCode, isOrchflowError, isOrchflowLocalError } from '@orchflow/protocol';

/** Prints `error` for a human on stderr. */
export function reportError(error: unknown): void {
  if (isOrchflowError(error)) {
    process.stderr.write(`orchflow: ${forTheShell(error.message, error.code)} (${error.codeName})\n`);
  } else if (isOrchflowLocalError(error)) {
    process.stderr.write(`orchflow: ${error.message}\n`);
  } else {
    process.stderr.write(`orchflow: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/**
 * A server's or the client library's words for a person at a shell: the library names its own
 * option (`token`), where the CLI's are `--token` and `$ORCHFLOW_TOKEN`.
 */
function forTheShell(message: string, code: number): string {
  if (code !== ErrorCode.Unauthorized) return message;
  return message.replace('(client option `token`)', '(--token or $ORCHFLOW_TOKEN)');
}
