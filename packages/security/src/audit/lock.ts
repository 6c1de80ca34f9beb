// The single-writer lock of an audit log. Two writers appending to one file would each continue
// the chain from their own head and fork it, so a log is opened by one AuditLog at a time: the
// writer holds `<log>.lock`, a file naming its pid (and that process's start time, so a reused pid
// is not mistaken for the holder). `<log>` is the log's real path (realpath), so a symlink to the
// log or to a directory above it, or a bind mount of its directory, finds the same lock. A hard
// link (or a bind mount of the file itself) in another place is a second name realpath cannot
// tell, and gets a lock of its own: give every writer the log's one real path. The lock appears with its content in one step (written to a
// private file, then hard-linked into place: link fails when the lock exists), so a reader never
// sees a half-written lock. A lock whose holder has died is stale and is broken: renamed aside
// first, and removed only if it is still the lock that was judged stale, so two processes breaking
// the same stale lock at once cannot both end up holding it.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';

/** What a lock file says about its holder. */
export interface AuditLockOwner {
  pid: number;
  /** The holder's start time after boot in clock ticks (/proc/<pid>/stat field 22); undefined off Linux. */
  startTime?: number;
  host: string;
  /** Random: tells this holder's lock from a later one of the same process. */
  token: string;
}

// Breaking a stale lock races with other writers doing the same; a few rounds settle it.
const MAX_ATTEMPTS = 5;

/** The start time of `pid` (clock ticks after boot), or undefined when /proc cannot tell. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm start at field 3; the start time is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[22 - 3]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The real path of the log at `logPath`: symlinks resolved; for a log that does not exist yet, its
 * directory's real path and its name.
 */
export function realLogPath(logPath: string): string {
  try {
    return realpathSync(logPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return join(realpathSync(dirname(logPath)), basename(logPath));
  }
}

/** True unless `pid` is known to be gone (a process of another user still counts as alive). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): AuditLockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<AuditLockOwner>;
    if (!Number.isInteger(value.pid) || typeof value.host !== 'string' || typeof value.token !== 'string') {
      return undefined;
    }
    return value as AuditLockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's holder is still running. A holder on another host cannot be checked, so it
 * counts as alive; a pid that now belongs to a process started at another time is a reused pid.
 */
export function lockHolderAlive(owner: AuditLockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!pidAlive(owner.pid)) return false;
  const now = startTimeOf(owner.pid);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

function readOwner(path: string): { text: string; owner: AuditLockOwner | undefined } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function lockedError(logPath: string, lockPath: string, owner: AuditLockOwner | undefined): OrchflowError {
  const who =
    owner === undefined
      ? 'a lock file orchflow cannot read'
      : `${owner.pid === process.pid && owner.host === hostname() ? 'this same process' : `process ${owner.pid}`}${
          owner.host === hostname() ? '' : ` on host ${owner.host}`
        }`;
  return new OrchflowError(
    ErrorCode.InternalError,
    `Audit log '${logPath}' is already open for writing by ${who} (lock file '${lockPath}'): a second writer would fork its hash chain. Give each orchestrator its own audit log, or stop the other one; delete the lock file only if that process is gone. Commands are refused until the log can be written (fail closed)`,
    { path: logPath, lockPath, holderPid: owner?.pid, holderHost: owner?.host },
  );
}

/** The exclusive lock of one audit log file; see the module comment. */
export class AuditLock {
  private released = false;

  private constructor(
    /** Path of the lock file. */
    readonly path: string,
    /** What the lock file says (this process). */
    readonly owner: AuditLockOwner,
  ) {}

  /**
   * Takes the lock of the log at `logPath` (its file is `<real path of the log>.lock`), breaking a
   * stale one; throws InternalError naming the log, the lock file and the holder's pid when a live
   * writer holds it.
   */
  static acquire(logPath: string): AuditLock {
    const path = `${realLogPath(logPath)}.lock`;
    const owner: AuditLockOwner = {
      pid: process.pid,
      startTime: startTimeOf(process.pid),
      host: hostname(),
      token: randomBytes(16).toString('hex'),
    };
    const text = JSON.stringify(owner);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (tryCreate(path, text)) return new AuditLock(path, owner);
      const current = readOwner(path);
      if (current === undefined) continue; // released meanwhile: try again
      if (current.owner === undefined || lockHolderAlive(current.owner)) {
        throw lockedError(logPath, path, current.owner);
      }
      breakStale(path, current.text);
    }
    throw lockedError(logPath, path, readOwner(path)?.owner);
  }

  /** Removes the lock file if it is still this holder's; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readOwner(this.path);
    if (current?.owner?.token !== this.owner.token) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/** Creates the lock with `text` in one step; false when a lock already exists. */
function tryCreate(path: string, text: string): boolean {
  const staging = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(staging, text, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(staging, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(staging);
  }
}

/**
 * Removes the stale lock whose content is `staleText`. Renaming is atomic, so only one breaker
 * gets the stale file; if what it got is not the stale lock (a live writer replaced it in
 * between), it is put back.
 */
function breakStale(path: string, staleText: string): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let taken: string;
  try {
    taken = readFileSync(aside, 'utf8');
  } catch {
    return;
  }
  if (taken !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // A newer lock is in place already; the one taken by mistake cannot be restored over it.
    }
  }
  unlinkSync(aside);
}
