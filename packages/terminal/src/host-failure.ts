// What a failure of the server's host means for a caller, in words that hold on any host. A
// SpawnFailed reaches remote clients unchanged, so its message says what failed and what the
// server's operator can do, by the OS error's code, never the OS error's own text (it names the
// server's paths: temp and cgroup directories, sockets, the install location of orchflow's
// helpers). The error itself stays the SpawnFailed's `cause` for an in-process caller.
import { getSystemErrorMap } from 'node:util';

let codesByText: Map<string, string> | undefined;
let knownCodes: Set<string> | undefined;

function isErrnoCode(word: string): boolean {
  knownCodes ??= new Set([...getSystemErrorMap().values()].map(([code]) => code));
  return knownCodes.has(word);
}

/**
 * The errno code (`EACCES`) of `error`: its `code` when it has one, else one its message quotes
 * (`EMFILE: too many open files, open '/tmp/x'`, `… (ENOENT)`); undefined when it names none.
 */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && isErrnoCode(code)) return code;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return message.match(/\bE[A-Z][A-Z0-9]+\b/g)?.find(isErrnoCode);
}

/**
 * The errno code of an OS error's description (`Not a directory` → `ENOTDIR`), as C's strerror
 * and libuv word it; undefined for text that is none of them.
 */
export function errnoOfDescription(text: string): string | undefined {
  if (!codesByText) {
    codesByText = new Map();
    for (const [code, description] of getSystemErrorMap().values()) {
      codesByText.set(description.toLowerCase(), code);
    }
    // strerror's wording where it is not libuv's.
    codesByText.set('file name too long', 'ENAMETOOLONG');
    codesByText.set('cannot allocate memory', 'ENOMEM');
  }
  return codesByText.get(text.trim().toLowerCase());
}

/**
 * What a shortage of the server's resources (`EMFILE`, `ENFILE`, `EAGAIN` of fork, `ENOMEM`) means
 * and what to do about it; undefined for any other code.
 */
export function resourceShortage(code: string | undefined): string | undefined {
  switch (code) {
    case 'EMFILE':
      return "too many open files in the server's process (EMFILE); end terminals that are no longer needed, or raise the server's open-file limit (ulimit -n)";
    case 'ENFILE':
      return "too many open files on the server's host (ENFILE); end terminals that are no longer needed, or raise the host's open-file limit (fs.file-max)";
    case 'EAGAIN':
      return "the server's user may start no more processes (EAGAIN); end terminals that are no longer needed, or raise its process limit (ulimit -u)";
    case 'ENOMEM':
      return "the server's host is out of memory (ENOMEM); end terminals that are no longer needed, or give the host more memory";
    default:
      return undefined;
  }
}
