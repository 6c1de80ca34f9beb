// The outgoing events of one HTTP session, numbered 1, 2, 3… (the SSE ids). An event is pending
// until a stream wrote it, then kept for replay while the written events fit `replayBytes`, so a
// client whose stream dropped can resume with `Last-Event-ID` and miss nothing. Pending events are
// bounded by `maxPendingBytes` (a client that does not read is not buffered without bound); a
// resume from an id no longer held is refused explicitly, never answered with a silent skip.
// Events are held as their UTF-8 bytes, encoded once: what the socket takes as it is, and what
// the garbage collector never copies (large strings kept for replay were promoted and swept,
// ~7 ms of server CPU per streamed MiB).
import { ChannelClosedError, ErrorCode, OrchflowError } from '@orchflow/protocol';

/** Limits of a {@link SessionEvents}. */
export interface SessionEventLimits {
  /** Bytes of events no stream has written yet before the session is overloaded. */
  maxPendingBytes: number;
  /** Bytes of written events kept for `Last-Event-ID` resume. */
  replayBytes: number;
}

/** One numbered event. */
export interface SessionEvent {
  id: number;
  /** The whole SSE block as UTF-8, ready to write. */
  block: Uint8Array;
}

interface Entry extends SessionEvent {
  written: boolean;
  resolve(): void;
  reject(error: Error): void;
}

/** The numbered, bounded event buffer of one session. */
export class SessionEvents {
  private entries: Entry[] = [];
  private nextId = 1;
  private pendingBytes = 0;
  private writtenBytes = 0;
  private wake: (() => void) | undefined;
  private closeError: Error | undefined;

  constructor(private readonly limits: SessionEventLimits) {}

  /**
   * Adds an event; the promise resolves once a stream wrote it. Throws Overloaded when pending
   * events would pass `maxPendingBytes`.
   */
  append(encode: (id: number) => Uint8Array): Promise<void> {
    if (this.closeError) return Promise.reject(this.closeError);
    const id = this.nextId;
    const block = encode(id);
    const bytes = block.byteLength;
    if (this.pendingBytes + bytes > this.limits.maxPendingBytes) {
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `The client is not reading its event stream: more than ${this.limits.maxPendingBytes} bytes wait for it`,
      );
    }
    this.nextId++;
    this.pendingBytes += bytes;
    const written = new Promise<void>((resolve, reject) => {
      this.entries.push({ id, block, written: false, resolve, reject });
    });
    this.wake?.();
    return written;
  }

  /** The event `id`, if it is held. */
  at(id: number): SessionEvent | undefined {
    const first = this.entries[0];
    return first ? this.entries[id - first.id] : undefined;
  }

  /** Resolves once an event after the current last one was appended, or the buffer closed. */
  appended(): Promise<void> {
    if (this.closeError) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        this.wake = undefined;
        previous?.();
        resolve();
      };
    });
  }

  /**
   * Where a new stream starts: after `lastEventId` (which the client has, so it and everything
   * before count as written), or at the first event no stream wrote. Throws when the client asks
   * for events that are no longer held, or for an id never sent.
   */
  resumeAt(lastEventId: number | undefined): number {
    if (lastEventId === undefined) return this.entries.find((entry) => !entry.written)?.id ?? this.nextId;
    const lastSent = this.nextId - 1;
    if (lastEventId > lastSent) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Last-Event-ID ${lastEventId} was never sent on this session (the last event is ${lastSent})`,
        { lastEventId, lastSent },
      );
    }
    const firstHeld = this.entries[0]?.id ?? this.nextId;
    if (lastEventId + 1 < firstHeld) {
      throw new OrchflowError(
        ErrorCode.InvalidState,
        `Events ${lastEventId + 1}…${firstHeld - 1} are no longer held (the replay buffer keeps ${this.limits.replayBytes} bytes); they cannot be resumed: start a new session`,
        { lastEventId, firstHeld },
      );
    }
    this.markWritten(lastEventId);
    return lastEventId + 1;
  }

  /** A stream wrote every event up to `id`: their senders resolve; old ones leave the replay window. */
  markWritten(id: number): void {
    for (const entry of this.entries) {
      if (entry.id > id) break;
      if (entry.written) continue;
      entry.written = true;
      this.pendingBytes -= entry.block.byteLength;
      this.writtenBytes += entry.block.byteLength;
      entry.resolve();
    }
    while (this.writtenBytes > this.limits.replayBytes && this.entries[0]?.written) {
      this.writtenBytes -= (this.entries.shift() as Entry).block.byteLength;
    }
  }

  /** Rejects the senders of pending events and releases every waiter. */
  close(error: Error = new ChannelClosedError()): void {
    if (this.closeError) return;
    this.closeError = error;
    for (const entry of this.entries) if (!entry.written) entry.reject(error);
    this.entries = [];
    this.wake?.();
  }
}
