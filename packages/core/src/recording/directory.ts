// The recording directory's size budget and retention: the bytes of every recording under it
// (finished ones found at start and those this process finished, plus the ones being written) are
// kept under `maxBytes` by deleting the oldest finished recordings — a .cast file with its
// sidecar index — never one being written. When the recordings being written alone would cross
// it, `reserve` says no and the recorder that asked stops (with its truncation marker).
// Other processes writing the same directory are not accounted for.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

interface Finished {
  path: string;
  bytes: number;
  mtimeMs: number;
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

  /** A directory `root` held under `maxBytes` (no limit when undefined). */
  constructor(
    readonly root: string,
    private readonly maxBytes: number | undefined,
  ) {}

  /** Recordings deleted to stay under the budget, so far. */
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
    this.enforce(0);
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
      for (const file of [oldest.path, indexPathFor(oldest.path)]) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone (deleted by hand): its bytes are free all the same.
        }
      }
      this.total -= oldest.bytes;
      this.removed++;
    }
    return true;
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
