// The recording directory's size budget and retention: the bytes of every recording under it
// (finished ones found at start and those this process finished, plus the ones being written) are
// kept under `maxBytes` by deleting the oldest finished recordings — a .cast file with its
// sidecar index — never one being written. When the recordings being written alone would cross
// it, `reserve` says no and the recorder that asked stops (with its truncation marker). With a
// retention period, finished recordings last written longer ago than it are deleted at start and
// then periodically (a recording still being written is never old: it is not finished).
// Other processes writing the same directory are not accounted for.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

interface Finished {
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** Fewest and most ms between two retention sweeps (a tenth of the period, within these). */
export const RETENTION_SWEEP_MS = { min: 1000, max: 3_600_000 } as const;

/** How often a directory with `retentionMs` looks for recordings that have grown too old. */
export function retentionSweepMs(retentionMs: number): number {
  return Math.min(Math.max(Math.round(retentionMs / 10), RETENTION_SWEEP_MS.min), RETENTION_SWEEP_MS.max);
}

/** Sidecar index path of a recording. */
export function indexPathFor(castPath: string): string {
  return `${castPath}.index.json`;
}

/** Accounts for the bytes under a recording directory and enforces its budget. */
export class RecordingDirectory {
  private finished: Finished[] = [];
  private total = 0;
  private removed = 0;

  private sweeper: NodeJS.Timeout | undefined;

  /**
   * A directory `root` held under `maxBytes` (no limit when undefined), whose finished recordings
   * are kept `retentionMs` after their last write (forever when undefined).
   */
  constructor(
    readonly root: string,
    private readonly maxBytes: number | undefined,
    private readonly retentionMs?: number,
  ) {}

  /** Recordings deleted to stay under the budget or past the retention period, so far. */
  get deleted(): number {
    return this.removed;
  }

  /** Bytes accounted for under the directory. */
  get bytes(): number {
    return this.total;
  }

  /** Finds the recordings already in the directory (`<agent>/<file>.cast`), oldest first. */
  scan(): void {
    const found: Finished[] = [];
    for (const agent of entries(this.root)) {
      const agentDir = join(this.root, agent);
      for (const name of entries(agentDir)) {
        if (!name.endsWith('.cast')) continue;
        const path = join(agentDir, name);
        const stat = statOf(path);
        if (!stat) continue;
        found.push({
          path,
          bytes: stat.size + (statOf(indexPathFor(path))?.size ?? 0),
          mtimeMs: stat.mtimeMs,
        });
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.finished = found;
    this.total = found.reduce((sum, f) => sum + f.bytes, 0);
    this.expire();
    this.enforce(0);
  }

  /**
   * Deletes the finished recordings last written more than the retention period before `now`
   * (their file's modification time); returns how many. Nothing without a retention period.
   */
  expire(now = Date.now()): number {
    if (this.retentionMs === undefined) return 0;
    const cutoff = now - this.retentionMs;
    const kept: Finished[] = [];
    let expired = 0;
    for (const entry of this.finished) {
      // The file's own time: it may have been touched (or removed) since it was listed.
      const mtimeMs = statOf(entry.path)?.mtimeMs ?? entry.mtimeMs;
      if (mtimeMs < cutoff) {
        this.remove(entry);
        expired++;
      } else {
        kept.push({ ...entry, mtimeMs });
      }
    }
    this.finished = kept;
    return expired;
  }

  /**
   * Sweeps for expired recordings every {@link retentionSweepMs} until {@link stop}, or until
   * `alive` says no (the orchestrator shut down). The timer does not keep the process alive.
   */
  startSweeping(alive: () => boolean = () => true): void {
    if (this.retentionMs === undefined || this.sweeper) return;
    this.sweeper = setInterval(() => {
      if (alive()) this.expire();
      else this.stop();
    }, retentionSweepMs(this.retentionMs));
    this.sweeper.unref();
  }

  /** Stops the periodic sweep. */
  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /**
   * Accounts for `bytes` more of a recording being written, deleting old finished recordings as
   * needed; false (nothing accounted) when even without them the budget would be crossed.
   */
  reserve(bytes: number): boolean {
    if (this.maxBytes !== undefined && this.total + bytes > this.maxBytes && !this.enforce(bytes))
      return false;
    this.total += bytes;
    return true;
  }

  /** Accounts for a change in size that cannot be refused (an index rewritten). */
  adjust(delta: number): void {
    this.total += delta;
  }

  /** A recording (`bytes` with its index) is finished: it may now be deleted for space, oldest first. */
  finish(path: string, bytes: number): void {
    this.finished.push({ path, bytes, mtimeMs: Date.now() });
  }

  /** Deletes oldest finished recordings until `extra` more bytes fit; false if they cannot. */
  private enforce(extra: number): boolean {
    if (this.maxBytes === undefined) return true;
    while (this.total + extra > this.maxBytes) {
      const oldest = this.finished.shift();
      if (!oldest) return false;
      this.remove(oldest);
    }
    return true;
  }

  /** Deletes a finished recording (taken off the list by the caller) and its index. */
  private remove(entry: Finished): void {
    for (const file of [entry.path, indexPathFor(entry.path)]) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone (deleted by hand): its bytes are free all the same.
      }
    }
    this.total -= entry.bytes;
    this.removed++;
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}
