// Where terminals' shell-integration directories are made. Each spawn makes a directory and writes
// its rc (and owner) files, and each exit removes them: on a disk file system (Debian's /tmp is
// ext4) that is 1–2 ms of kernel time per terminal, on a tmpfs ~0.05 ms. So without an explicit
// TMPDIR, and when /tmp is not a tmpfs itself, a directory goes to /dev/shm where that is a tmpfs
// anyone may make entries in (sticky, like /tmp; the directory itself is private, mode 0700).
// Only for root: systemd-logind removes a user's /dev/shm entries when their last session ends
// (RemoveIPC, on by default; root and system users are exempt), which would take the directory
// from an orchestrator left running after a logout. The temp dir is kept for a sandboxed
// terminal (the sandbox binds the directory by path and brings a /dev/shm of its own) and for a
// tmux pane (it outlives this process), and taken whenever /dev/shm refuses (full, read-only).
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Prefix of shell-integration directories (in the temp dir or /dev/shm). */
export const SHELL_DIR_PREFIX = 'orchflow-sh-';
const TMPFS_MAGIC = 0x01021994;
/** The shared-memory tmpfs of Linux. */
export const SHM_DIR = '/dev/shm';

/** True when `dir` is on a tmpfs. */
export function isTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/** A world-writable directory with the sticky bit (no one removes another's entries) we can write. */
function isSharedSticky(dir: string): boolean {
  try {
    const st = statSync(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
    return st.isDirectory() && (st.mode & 0o1002) === 0o1002;
  } catch {
    return false;
  }
}

let fastBase: string | undefined;

/**
 * The directory a terminal's shell-integration directory is made in: the temp dir when asked
 * (`keepTempDir`), where TMPDIR is set, for a user other than root, or where it already is a
 * tmpfs; otherwise /dev/shm when that is a usable tmpfs. Looked up once per process (TMPDIR is
 * read each time).
 */
export function shellDirBase(keepTempDir: boolean): string {
  if (keepTempDir || process.env.TMPDIR || process.getuid?.() !== 0) return tmpdir();
  fastBase ??= !isTmpfs(tmpdir()) && isTmpfs(SHM_DIR) && isSharedSticky(SHM_DIR) ? SHM_DIR : tmpdir();
  return fastBase;
}

/** Every directory shell-integration directories may be in (for the reaper). */
export function shellDirBases(): string[] {
  return [...new Set([tmpdir(), SHM_DIR])];
}
