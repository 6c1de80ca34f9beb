// Sends the output of a running `terminal.execute` to its caller, one message at a time. The
// command's output callback cannot be paused, so the backlog of unsent bytes is capped: chunks
// beyond it are dropped, which the caller sees as a jump in `offset` (the full text stays in the
// ExecResult and in the scrollback). Memory per request stays bounded whatever the transport does.

/** Unsent progress bytes per request beyond which chunks are dropped: 4 MiB. */
export const MAX_PENDING_PROGRESS_BYTES = 4 * 1024 * 1024;

/** One progress message: output in [offset, nextOffset), or the empty `started` notice. */
export interface ProgressChunk {
  data: string;
  offset: number;
  nextOffset: number;
  started?: boolean;
}

/** Sends one chunk; resolves when the transport accepted it. */
export type ProgressSender = (chunk: ProgressChunk) => Promise<void>;

/** A bounded, ordered sender of progress chunks. */
export class ProgressPump {
  private chain: Promise<void> = Promise.resolve();
  private pendingBytes = 0;
  private stopped = false;

  constructor(
    private readonly send: ProgressSender,
    private readonly maxPendingBytes = MAX_PENDING_PROGRESS_BYTES,
  ) {}

  /** Queues a chunk unless the backlog is full or the pump stopped. */
  push(chunk: ProgressChunk): void {
    if (this.stopped || this.pendingBytes + chunk.data.length > this.maxPendingBytes) return;
    this.pendingBytes += chunk.data.length;
    this.chain = this.chain.then(async () => {
      try {
        if (!this.stopped) await this.send(chunk);
      } catch {
        // The connection is gone; the execute's own response will fail the same way.
        this.stopped = true;
      } finally {
        this.pendingBytes -= chunk.data.length;
      }
    });
  }

  /** Resolves once every queued chunk was sent, so progress precedes the response. */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Drops whatever is still queued. */
  stop(): void {
    this.stopped = true;
  }
}
