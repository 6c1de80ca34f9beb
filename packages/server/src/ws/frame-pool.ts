// Reused memory for large binary output frames. Each live output chunk (~64 KiB while output
// streams) became a fresh frame, and V8 counts ArrayBuffer memory toward the trigger of its major
// GC: streaming 256 MiB, the WebSocket server ran 73 mark-compacts, 28 with the pool (server CPU
// 19.8 → 17.7 ms per MiB, docs/performance.md). A frame is dead once `ws` reports it written, so
// its memory can carry the next one. Only frames of at least half a buffer are pooled: a small
// frame in flight must not pin a whole buffer (a client holding many subscriptions and not reading
// would pin far more than the bytes its queue is limited to).
import { Buffer } from 'node:buffer';

/** Bytes of one pooled buffer: a flushed chunk (64 KiB plus the last PTY read) and its header. */
export const FRAME_CAPACITY = 96 * 1024;
/** Idle buffers kept for reuse, shared by every connection of the process (768 KiB at most). */
const MAX_IDLE = 8;

/** Buffers for frames, taken for one send and given back once the socket has written it. */
export class FramePool {
  private readonly idle: Buffer[] = [];
  // Frames handed out from pooled memory and not given back yet, each with its whole buffer.
  private readonly out = new WeakMap<Uint8Array, Buffer>();

  constructor(
    private readonly capacity = FRAME_CAPACITY,
    private readonly maxIdle = MAX_IDLE,
  ) {}

  /**
   * A buffer of exactly `size` bytes, uninitialised: pooled memory when `size` is between half
   * the capacity and the capacity, else memory of its own.
   */
  take(size: number): Buffer {
    if (size > this.capacity || size * 2 < this.capacity) return Buffer.allocUnsafe(size);
    const buffer = this.idle.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    const frame = buffer.subarray(0, size);
    this.out.set(frame, buffer);
    return frame;
  }

  /**
   * Returns a frame's memory for reuse. Call it once nothing reads the frame any more (after the
   * send callback); frames not taken from pooled memory, or given back already, are ignored.
   */
  give(frame: Uint8Array): void {
    const buffer = this.out.get(frame);
    if (!buffer) return;
    this.out.delete(frame);
    if (this.idle.length < this.maxIdle) this.idle.push(buffer);
  }

  /** Buffers waiting for reuse. */
  get idleCount(): number {
    return this.idle.length;
  }
}

/** The pool of this process's WebSocket connections. */
export const framePool = new FramePool();
