// The outgoing events of one HTTP session, numbered 1, 2, 3… (the SSE ids). An event is pending
// until a stream wrote it, then kept for replay while the written events fit `replayBytes`, so a
// client whose stream dropped can resume with `Last-Event-ID` and miss nothing. Pending events are
// bounded by `maxPendingBytes` (a client that does not read is not buffered without bound); a
// resume from an id no longer held is refused explicitly, never answered with a silent skip.
// Events are held as their UTF-8 bytes, encoded once: what the socket takes as it is, and what
// the garbage collector never copies (large strings kept for replay were promoted and swept,
// ~7 ms of server CPU per streamed MiB).
// Streams write in order, so the written events are always the oldest ones held: a cursor (the
// first unwritten id) and a head index (the oldest held) make each event's bookkeeping O(1)
// amortised. Walking the held events from the start for every event written cost ~10x the CPU
// once the replay window held ~50k small events (a `$/ping` flood).
// An event's memory may be handed back for reuse (`release`) once it left the replay window and
// no socket still writes it: a stream lends an event for each write (`lend`). Without reuse every
// output frame outlived a few scavenges in the window, so its ArrayBuffer was freed only by a full
// GC, and streaming 256 MiB ran ~55 mark-compacts (docs/performance.md, issue #12).
import { ChannelClosedError, ErrorCode, FrameTooLargeError, OrchflowError } from '@orchflow/protocol';

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

/**
 * Sees the id of each held event the buffer's bookkeeping looks at (marking written, trimming the
 * replay window): lets a test bound the work per event without timing it.
 */
export type SessionEventVisitor = (id: number) => void;

/** Hooks of a {@link SessionEvents}. */
export interface SessionEventHooks {
  /** See {@link SessionEventVisitor}. */
  visit?: SessionEventVisitor;
  /**
   * Takes back an event's bytes once nothing reads them any more: the event left the buffer and
   * every write that was lent it is done. Called at most once per event.
   */
  release?: (block: Uint8Array) => void;
}

/** An event lent to a stream's write; `done` once the socket no longer reads its bytes. */
export interface LentEvent extends SessionEvent {
  /** Ends the loan (idempotent). Never called: the bytes are simply never reused. */
  done(): void;
}

interface Entry extends SessionEvent {
  resolve(): void;
  reject(error: Error): void;
  /** Writes of this event not done yet. */
  lent: number;
  /** True once the event left the buffer (trimmed, or the buffer closed). */
  dropped: boolean;
  /** True once its bytes went to `release`. */
  released: boolean;
}

// Trimmed slots are dropped from the front of the array once there are this many and they are
// at least half of it: each copy moves no more entries than were trimmed since the last one.
const COMPACT_AFTER = 1024;

/** The numbered, bounded event buffer of one session. */
export class SessionEvents {
  // Held events, oldest first from `head`; the slots before `head` were trimmed and emptied, so
  // their bytes can be collected before the next compaction.
  private entries: (Entry | undefined)[] = [];
  private head = 0;
  private nextId = 1;
  // Every held event before this id was written; none from it on.
  private firstUnwritten = 1;
  private pendingBytes = 0;
  private writtenBytes = 0;
  private wake: (() => void) | undefined;
  private closeError: Error | undefined;

  private readonly visit: SessionEventVisitor | undefined;
  private readonly release: ((block: Uint8Array) => void) | undefined;

  constructor(
    private readonly limits: SessionEventLimits,
    hooks: SessionEventHooks = {},
  ) {
    this.visit = hooks.visit;
    this.release = hooks.release;
  }

  /**
   * Adds an event; the promise resolves once a stream wrote it. Throws Overloaded when pending
   * events would pass `maxPendingBytes`.
   */
  append(encode: (id: number) => Uint8Array): Promise<void> {
    if (this.closeError) return Promise.reject(this.closeError);
    const id = this.nextId;
    const block = encode(id);
    const bytes = block.byteLength;
    // One event past the whole budget says nothing about the client's reading: it is refused on
    // its own (its requests are answered PayloadTooLarge) and the session goes on.
    if (bytes > this.limits.maxPendingBytes) {
      this.release?.(block);
      throw new FrameTooLargeError(bytes, this.limits.maxPendingBytes);
    }
    if (this.pendingBytes + bytes > this.limits.maxPendingBytes) {
      this.release?.(block);
      throw new OrchflowError(
        ErrorCode.Overloaded,
        `The client is not reading its event stream: more than ${this.limits.maxPendingBytes} bytes wait for it`,
      );
    }
    this.nextId++;
    this.pendingBytes += bytes;
    const written = new Promise<void>((resolve, reject) => {
      this.entries.push({ id, block, resolve, reject, lent: 0, dropped: false, released: false });
    });
    this.wake?.();
    return written;
  }

  /** The event `id`, if it is held. */
  at(id: number): SessionEvent | undefined {
    if (id < this.firstHeld || id >= this.nextId) return undefined;
    return this.entries[this.slot(id)];
  }

  /**
   * The event `id` for a stream to write, if it is held: its bytes are not released before the
   * loan's `done`, even if the event leaves the replay window meanwhile.
   */
  lend(id: number): LentEvent | undefined {
    const entry = this.at(id) as Entry | undefined;
    if (!entry) return undefined;
    entry.lent++;
    let returned = false;
    const done = (): void => {
      if (returned) return;
      returned = true;
      entry.lent--;
      this.releaseIfFree(entry);
    };
    return { id: entry.id, block: entry.block, done };
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
    if (lastEventId === undefined) return this.firstUnwritten;
    const lastSent = this.nextId - 1;
    if (lastEventId > lastSent) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Last-Event-ID ${lastEventId} was never sent on this session (the last event is ${lastSent})`,
        { lastEventId, lastSent },
      );
    }
    const firstHeld = this.firstHeld;
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
    const last = Math.min(id, this.nextId - 1);
    // Only the events newly written are looked at: those before the cursor were done already.
    for (; this.firstUnwritten <= last; this.firstUnwritten++) {
      const entry = this.entries[this.slot(this.firstUnwritten)] as Entry;
      this.visit?.(entry.id);
      this.pendingBytes -= entry.block.byteLength;
      this.writtenBytes += entry.block.byteLength;
      entry.resolve();
    }
    this.trim();
  }

  /** Rejects the senders of pending events and releases every waiter. */
  close(error: Error = new ChannelClosedError()): void {
    if (this.closeError) return;
    this.closeError = error;
    // The pending events are the last ones held, from the cursor on.
    for (let index = this.slot(this.firstUnwritten); index < this.entries.length; index++)
      this.entries[index]?.reject(error);
    for (let index = this.head; index < this.entries.length; index++) this.drop(this.entries[index] as Entry);
    this.entries = [];
    this.head = 0;
    this.firstUnwritten = this.nextId;
    this.wake?.();
  }

  /** The id of the oldest held event (`nextId` when none is held). */
  private get firstHeld(): number {
    return this.nextId - (this.entries.length - this.head);
  }

  /** Where the held event `id` is in `entries` (the newest event is the last entry). */
  private slot(id: number): number {
    return this.entries.length - (this.nextId - id);
  }

  /** Drops the oldest written events while the written ones pass `replayBytes`. */
  private trim(): void {
    while (this.writtenBytes > this.limits.replayBytes && this.firstHeld < this.firstUnwritten) {
      const entry = this.entries[this.head] as Entry;
      this.visit?.(entry.id);
      this.entries[this.head] = undefined;
      this.head++;
      this.writtenBytes -= entry.block.byteLength;
      this.drop(entry);
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** The event left the buffer: its bytes go back once no write holds them. */
  private drop(entry: Entry): void {
    entry.dropped = true;
    this.releaseIfFree(entry);
  }

  private releaseIfFree(entry: Entry): void {
    if (!entry.dropped || entry.lent > 0 || entry.released || !this.release) return;
    entry.released = true;
    this.release(entry.block);
  }
}
