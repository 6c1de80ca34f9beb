// Arguments and errors shared by `orchflow replay` and `orchflow record`: flags are validated in
// the action (not by commander) so that every usage problem — a bad flag, a missing file, a file
// that is not an asciicast recording, a command number it does not have — exits 2 with one line
// saying what is wrong.
import { ErrorCode, isOrchflowError, OrchflowError } from '@orchflow/protocol';
import { reportError } from './errors';

/** Exit status of a usage error (bad flag or file). */
export const USAGE_EXIT_CODE = 2;

/** A usage error (exits 2 through {@link withUsageErrors}). */
export function usageError(message: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, message);
}

/** `value` of `flag` as a finite number > 0. */
export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usageError(`${flag} must be a number > 0, not '${value}'`);
  }
  return n;
}

/** `--command`'s value as a command number (whole, ≥ 1). */
export function commandNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) {
    throw usageError(
      `--command must be a command number (1, 2, …; see 'orchflow record list'), not '${value}'`,
    );
  }
  return n;
}

/**
 * Runs `action` on `target` (the file or directory argument); a usage error is printed and
 * becomes exit status 2, anything else is rethrown.
 */
export async function withUsageErrors(target: string, action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (isOrchflowError(error) && error.code === ErrorCode.InvalidParams) {
      reportError(error);
      return USAGE_EXIT_CODE;
    }
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      const what = code === 'EISDIR' ? 'is a directory (give a .cast file)' : 'does not exist';
      process.stderr.write(`orchflow: ${target} ${what}\n`);
      return USAGE_EXIT_CODE;
    }
    throw error;
  }
}

/** A duration for a table: `850ms`, `1.25s`, `2m03s`; `-` when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 59_995) return `${(ms / 1000).toFixed(2).replace(/\.?0+$/, '')}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
