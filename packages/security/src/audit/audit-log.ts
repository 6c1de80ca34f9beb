// The append-only, hash-chained JSONL audit log. Appends are serialized; each resolves only after
// its line is written and fdatasync'ed, so an entry recorded before a command runs is on disk
// before the command starts. Any write failure breaks the log for good: every later append
// rejects, and the orchestrator refuses to run commands it cannot record (fail closed). One writer
// at a time: the log's lock (lock.ts) is held from open to close.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { type AuditEntry, type AuditRecord, entryHash, GENESIS_HASH } from './entry';
import { AuditLock } from './lock';

/** Where the chain stands: the last entry's seq and hash (seq 0 and the genesis hash when empty). */
export interface AuditHead {
  seq: number;
  hash: string;
}

// Read backwards in chunks of this size to find the last line of an existing log.
const TAIL_CHUNK = 64 * 1024;

function auditFailed(path: string, message: string, cause?: unknown): OrchflowError {
  return new OrchflowError(
    ErrorCode.InternalError,
    `Audit log '${path}' ${message}; commands are refused until it can be written (fail closed)`,
    { path },
    { cause },
  );
}

/** The last non-empty line of the file at `path`, or undefined for an empty file. */
function lastLine(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    let end = fstatSync(fd).size;
    let tail = '';
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const buf = Buffer.alloc(end - start);
      readSync(fd, buf, 0, buf.length, start);
      tail = buf.toString('utf8') + tail;
      end = start;
      const trimmed = tail.replace(/\n+$/, '');
      const nl = trimmed.lastIndexOf('\n');
      if (nl >= 0 || end === 0) return trimmed.slice(nl + 1) || undefined;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function headOf(path: string): AuditHead {
  const line = lastLine(path);
  if (line === undefined) return { seq: 0, hash: GENESIS_HASH };
  let entry: Partial<AuditEntry>;
  try {
    entry = JSON.parse(line) as Partial<AuditEntry>;
  } catch (error) {
    throw auditFailed(path, 'ends with a line that is not JSON (check it with verifyAuditLog)', error);
  }
  if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') {
    throw auditFailed(path, 'ends with an entry without seq/hash (check it with verifyAuditLog)');
  }
  return { seq: entry.seq, hash: entry.hash };
}

/** An open audit log; create with {@link AuditLog.open}. */
export class AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private failure: OrchflowError | undefined;
  private closed = false;

  private constructor(
    /** Path of the JSONL file. */
    readonly path: string,
    private readonly file: FileHandle,
    private current: AuditHead,
    private readonly lock: AuditLock | undefined,
  ) {}

  /**
   * Opens (creating if needed) the log at `path` and continues its chain; throws if it cannot, or
   * (naming the other process's pid) while another AuditLog, in this process or another, has it
   * open: see lock.ts.
   */
  static async open(path: string): Promise<AuditLog> {
    let file: FileHandle;
    try {
      file = await open(path, 'a', 0o600);
    } catch (error) {
      throw auditFailed(path, `cannot be opened for appending (${(error as Error).message})`, error);
    }
    let lock: AuditLock | undefined;
    try {
      // Only a regular file has a chain to fork: a device or pipe is never read back.
      if ((await file.stat()).isFile()) lock = AuditLock.acquire(path);
      return new AuditLog(path, file, headOf(path), lock);
    } catch (error) {
      lock?.release();
      await file.close();
      throw error;
    }
  }

  /** The last appended entry's seq and hash; keep it elsewhere to detect a truncated log later. */
  get head(): AuditHead {
    return { ...this.current };
  }

  /** Appends `record` and resolves with the stored entry once it is on disk; rejects (for good) on a write failure. */
  append(record: AuditRecord): Promise<AuditEntry> {
    if (this.closed) return Promise.reject(auditFailed(this.path, 'is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const body = {
      ...record,
      seq: this.current.seq + 1,
      timestamp: new Date().toISOString(),
      prevHash: this.current.hash,
    };
    const entry = { ...body, hash: entryHash(body) } as AuditEntry;
    this.current = { seq: entry.seq, hash: entry.hash };
    const write = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await this.file.appendFile(`${JSON.stringify(entry)}\n`);
        await this.file.datasync();
      } catch (error) {
        this.failure = auditFailed(this.path, `could not be written (${(error as Error).message})`, error);
        throw this.failure;
      }
      return entry;
    });
    this.tail = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }

  /** Waits for pending appends, closes the file and releases its lock; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    try {
      await this.file.close();
    } finally {
      this.lock?.release();
    }
  }
}
