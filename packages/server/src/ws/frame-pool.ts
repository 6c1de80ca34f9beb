// Reused memory for binary output frames. Each live output chunk (~64 KiB) became a fresh frame,
// and V8 counts ArrayBuffer memory toward the trigger of its major GC: streaming at ~40 MiB/s the
// WebSocket server ran a mark-compact every ~65 ms (73 per 256 MiB), its largest single cost. A
// frame is dead once `ws` reports it written, so its memory can carry the next one: with the pool
// the same stream took 43 mark-compacts and ran ~15 % faster (docs/performance.md).
import { Buffer } from 'node:buffer';

/** Bytes of one pooled buffer: a flushed chunk (64 KiB plus the last PTY read) and its header. */
export const FRAME_CAPACITY = 96 * 1024;
/** Idle buffers kept for reuse, shared by every connection of the process (768 KiB at most). */
const MAX_IDLE = 8;

/** Buffers for frames, taken for one send and given back once the socket has written it. */
export class FramePool {
  private readonly idle: Buffer[] = [];
  // The whole buffer behind each frame this pool handed out; anything else is not taken back.
  private readonly whole = new WeakMap<ArrayBufferLike, Buffer>();

  constructor(
    private readonly capacity = FRAME_CAPACITY,
    private readonly maxIdle = MAX_IDLE,
  ) {}

  /** A buffer of exactly `size` bytes, uninitialised: pooled memory when it fits, else its own. */
  take(size: number): Buffer {
    if (size > this.capacity) return Buffer.allocUnsafe(size);
    let buffer = this.idle.pop();
    if (!buffer) {
      buffer = Buffer.allocUnsafeSlow(this.capacity);
      this.whole.set(buffer.buffer, buffer);
    }
    return buffer.subarray(0, size);
  }

  /**
   * Returns a frame's memory for reuse. Call it only when nothing reads the frame any more (after
   * the send callback); frames that did not come from `take`'s pooled memory are ignored.
   */
  give(frame: Uint8Array): void {
    const buffer = this.whole.get(frame.buffer);
    // A second give of one frame must not hand the same memory to two sends.
    if (!buffer || this.idle.length >= this.maxIdle || this.idle.includes(buffer)) return;
    this.idle.push(buffer);
  }

  /** Buffers waiting for reuse. */
  get idleCount(): number {
    return this.idle.length;
  }
}

/** The pool of this process's WebSocket connections. */
export const framePool = new FramePool();
