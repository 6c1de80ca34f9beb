// Finding the host programs isolation runs through (prlimit, setpriv, unshare, bwrap, a container
// engine). A missing one is a SpawnFailed error that says which package installs it: isolation
// never silently degrades to less.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

// Searched after PATH: the sbin directories are often missing from a service's PATH.
const FALLBACK_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Where each tool comes from on Debian/Ubuntu. */
const INSTALL_HINTS: Record<string, string> = {
  bwrap: "install bubblewrap (Debian/Ubuntu: 'apt-get install bubblewrap'; Fedora: 'dnf install bubblewrap')",
  prlimit: "install util-linux ('apt-get install util-linux')",
  setpriv: "install util-linux ('apt-get install util-linux')",
  unshare: "install util-linux ('apt-get install util-linux')",
  perl: "install perl ('apt-get install perl-base')",
};

/** Absolute path of `name` in PATH or the system bin directories, or undefined. */
export function findExecutable(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...pathVar.split(delimiter), ...FALLBACK_DIRS]) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) {
        accessSync(path, constants.X_OK);
        return path;
      }
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/** Absolute path of `tool`; throws SpawnFailed naming `purpose` and how to install it. */
export function requireTool(tool: string, purpose: string): string {
  const path = findExecutable(tool);
  if (path) return path;
  const hint = INSTALL_HINTS[tool] ?? `install '${tool}'`;
  throw new OrchflowError(
    ErrorCode.SpawnFailed,
    `${purpose} needs '${tool}', which was not found in PATH: ${hint}, or choose a lower isolationLevel in the security policy`,
    { tool, purpose },
  );
}
