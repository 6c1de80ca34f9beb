// What `serve` says when a listener cannot start: the system's words plus what to do about it. A
// port in use names the fix (another port, or 0), and a Unix socket in a directory that does not
// exist says so (Node reports that as EACCES, which reads like a permission problem).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** `error` from starting a listener, with what to do added where the system's words fall short. */
export function explainListenError(error: unknown, unixPath: string | undefined): unknown {
  const e = error as NodeJS.ErrnoException | undefined;
  if (e?.code === 'EADDRINUSE') {
    return new Error(`${e.message}: another process has this port; pick another one, or 0 for a free one`, {
      cause: error,
    });
  }
  if (
    (e?.code === 'EACCES' || e?.code === 'ENOENT') &&
    unixPath !== undefined &&
    !existsSync(dirname(unixPath))
  ) {
    return new Error(
      `cannot create the socket ${unixPath}: the directory ${dirname(unixPath)} does not exist; create it or pass another --unix path`,
      { cause: error },
    );
  }
  return error;
}
