// Makes a PTY's last bytes arrive. On Linux, once the last slave fd closes, reading the master can
// return EOF while output is still queued in the kernel, so a program that writes a burst and
// exits at once loses its tail (node-pty issues #72 and #726). We hold a slave fd of our own, so
// the master never reaches EOF while output is queued. When the child has exited (node-pty tears
// its socket down; the spawner reports the exit), we first write a sentinel through our slave fd
// and wait for it to come out of the master: a PTY keeps order, so everything the child wrote has
// been read by then. This also covers a terminal whose reading is paused at exit: draining resumes it,
// and a pause asked for while it drains (a subscriber falling behind on the last chunks) is not
// applied: it would leave the rest, and the sentinel, unread until the timeout.
//
// `_pty` (the slave's path) and `_socket` are node-pty's private fields (1.1.0, 1.2.0-beta.15). When
// a node-pty release changes them, the drain cannot be installed: the PTY then works with
// node-pty's own behaviour, and the lost guarantee is not silent — a warning is emitted once per
// process and `ptyDrainStats()` (in `orchestrator.metrics` as `outputDrain`) counts the PTYs without it.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { IPty } from 'node-pty';
import { ownBuffer } from './own-buffer';

// 2 s: the queue is at most a few dozen KiB, read in microseconds; this only bounds a stuck PTY.
const DRAIN_TIMEOUT_MS = 2_000;
// How soon a sentinel the PTY had no room for is written again.
const SENTINEL_RETRY_MS = 5;

interface PtyInternals {
  _pty?: string;
  _socket?: { destroy(error?: Error): unknown };
}

/** How many PTYs of this process got the exit drain, and how many could not. */
export interface PtyDrainStats {
  /** PTYs whose last output is read before their exit is reported. */
  drained: number;
  /** PTYs where it could not be installed: a program's last bytes before exiting may be lost. */
  undrained: number;
  /** Why the last installation failed, if one did. */
  lastFailure?: string;
}

const stats: PtyDrainStats = { drained: 0, undrained: 0 };
let warned = false;

/** A copy of this process's {@link PtyDrainStats}. */
export function ptyDrainStats(): PtyDrainStats {
  return { ...stats };
}

function notInstalled(reason: string): undefined {
  stats.undrained++;
  stats.lastFailure = reason;
  if (!warned) {
    warned = true;
    process.emitWarning(
      `orchflow: cannot hold PTYs open until their output is read (${reason}); output a program writes right before it exits may be lost. Use the node-pty version @orchflow/terminal declares`,
      'OrchflowPtyDrainWarning',
    );
  }
  return undefined;
}

/** Holds a PTY open until its queued output has been read; see the module comment. */
export class PtyDrain {
  private readonly sentinel: Buffer;
  private pending: Buffer | undefined;
  private finish: (() => void) | undefined;

  /**
   * A drain over `slaveFd`, a non-blocking slave fd of the PTY that this drain now owns (it closes
   * it when the drain ends); `resume` resumes reading the master.
   */
  constructor(
    private readonly resume: () => void,
    private readonly slaveFd: number,
    nonce: string,
  ) {
    this.sentinel = ownBuffer(`\x1b]633;orchflow-drained;${nonce}\x07`);
    stats.drained++;
  }

  /**
   * Installs the drain on a freshly spawned PTY. Returns undefined (and changes nothing) when
   * node-pty's internals are not as expected, so a node-pty upgrade degrades to its own
   * behaviour — with a warning (once) and a count in {@link ptyDrainStats}.
   */
  static install(pty: IPty, nonce: string): PtyDrain | undefined {
    const internals = pty as unknown as PtyInternals;
    const socket = internals._socket;
    if (typeof internals._pty !== 'string') return notInstalled("node-pty's IPty has no string _pty");
    if (typeof socket?.destroy !== 'function') return notInstalled("node-pty's IPty has no _socket.destroy");
    let slaveFd: number;
    try {
      slaveFd = openSync(internals._pty, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch (error) {
      return notInstalled(`cannot open the PTY's slave ${internals._pty}: ${(error as Error).message}`);
    }
    const drain = new PtyDrain(() => pty.resume(), slaveFd, nonce);
    const destroy = socket.destroy.bind(socket);
    socket.destroy = (error?: Error) => drain.run(() => destroy(error));
    return drain;
  }

  /**
   * True from the process's exit on (once {@link run} was called): the PTY must then be read to
   * its end, so a pause (a slow subscriber's backpressure, the user's `pause()`) no longer stops
   * reading. What is left is bounded by the kernel's PTY buffer.
   */
  get draining(): boolean {
    return this.finish !== undefined;
  }

  /**
   * Passes a chunk read from the master through; while draining, strips the sentinel and
   * finishes the drain when it has arrived. Returns the bytes that belong to the terminal.
   */
  filter(chunk: Buffer): Buffer {
    if (!this.finish) return chunk;
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const at = data.indexOf(this.sentinel);
    if (at >= 0) {
      this.complete();
      return data.subarray(0, at);
    }
    // Hold back a tail that may be the start of a sentinel split across reads.
    const keep = this.partialSentinelLength(data);
    if (keep > 0) this.pending = data.subarray(data.length - keep);
    return data.subarray(0, data.length - keep);
  }

  /**
   * Reads the master until everything the PTY holds has come out, then closes the slave fd and
   * calls `then` (once; later calls do nothing).
   */
  run(then: () => void): void {
    if (this.finish) return;
    const timer = setTimeout(() => this.complete(), DRAIN_TIMEOUT_MS);
    let retry: NodeJS.Timeout | undefined;
    this.finish = () => {
      clearTimeout(timer);
      clearTimeout(retry);
      // No write of the sentinel is under way here (they are synchronous), so the fd's number
      // cannot be reused under one.
      closeSync(this.slaveFd);
      then();
    };
    // Resume first: if reading was paused, the PTY buffer may be full, and the sentinel can only
    // go in once we read. The fd is non-blocking for the same reason: where the PTY has no room
    // (full, or output stopped with Ctrl-S) the write is tried again later instead of blocking
    // the event loop that drains it, or a thread of libuv's pool until the timeout.
    this.resume();
    let written = 0;
    const writeSentinel = () => {
      retry = undefined;
      try {
        written += writeSync(this.slaveFd, this.sentinel, written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.complete();
          return;
        }
      }
      if (written < this.sentinel.length) retry = setTimeout(writeSentinel, SENTINEL_RETRY_MS);
    };
    writeSentinel();
  }

  private complete(): void {
    const finish = this.finish;
    this.finish = () => undefined;
    finish?.();
  }

  private partialSentinelLength(data: Buffer): number {
    for (let k = Math.min(this.sentinel.length - 1, data.length); k > 0; k--) {
      if (data.subarray(data.length - k).equals(this.sentinel.subarray(0, k))) return k;
    }
    return 0;
  }
}
