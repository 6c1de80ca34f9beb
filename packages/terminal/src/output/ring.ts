// The scrollback of one terminal: a fixed-size byte ring addressed by absolute offsets (bytes
// since the terminal started). Memory grows with the output up to the capacity (see append);
// reads decode UTF-8 without splitting a character at either edge and say when the asked-for
// range has rotated out.
import { ErrorCode, OrchflowError, type ReadResult } from '@orchflow/protocol';
import { completeLength, isContinuation, sequenceLength, utf8Decoder } from './utf8';

/** Options for {@link OutputRing.read}. */
export interface RingReadOptions {
  /** First byte wanted. Default: the oldest retained byte. */
  fromOffset?: number;
  /** Upper bound on bytes returned (exceeded by at most 3 bytes when one character is larger). */
  maxBytes?: number;
}

/** A page of {@link OutputRing.readRaw}: {@link ReadResult} with the bytes in place of their text. */
export interface RawPage {
  /** The bytes of [offset, nextOffset), a copy. */
  bytes: Uint8Array;
  offset: number;
  nextOffset: number;
  endOffset: number;
  /** What rotated out before `offset`, when `fromOffset` was older than the ring's start. */
  gap?: { from: number; to: number };
}

/**
 * Bytes a ring starts with: a prompt and a few short commands' output fit (spawn and `echo hello`
 * leave 23 bytes; markers never reach the ring). A thousand idle terminals held 4 MB at 4 KiB; one
 * that prints doubles its way up, copying less than it appends.
 */
const INITIAL_BYTES = 512;

/** Memory of `bytes` that is not zero-filled (see the constructor). */
function uninitialized(bytes: number): Uint8Array {
  const raw = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(raw.buffer, raw.byteOffset, bytes);
}

/** A bounded byte ring with absolute offsets; a write larger than capacity keeps only its tail. */
export class OutputRing {
  // Until it is `capacity` long, it holds every byte written so far, at its own offset.
  private buffer: Uint8Array;
  private end = 0;

  /** Retains the newest `capacity` bytes. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `Ring capacity must be a positive integer, got ${capacity}`,
      );
    }
    // Small at first: a terminal that prints little never holds its whole capacity (1 MiB by
    // default), and a thousand rings of a mapping each made every fork of the orchestrator (each
    // spawn) copy a thousand mappings. Not zero-filled: no read ever looks at a byte before it was
    // written (reads clamp to [startOffset, endOffset)). A plain Uint8Array view, so `slice` in
    // readBytes still copies.
    this.buffer = uninitialized(Math.min(capacity, INITIAL_BYTES));
  }

  /** Offset of the oldest retained byte. */
  get startOffset(): number {
    return Math.max(0, this.end - this.capacity);
  }

  /** Offset one past the newest byte. */
  get endOffset(): number {
    return this.end;
  }

  /** Appends bytes (copied), overwriting the oldest when full. */
  append(bytes: Uint8Array): void {
    let src = bytes;
    if (src.length > this.capacity) {
      this.end += src.length - this.capacity;
      src = src.subarray(src.length - this.capacity);
    }
    if (this.buffer.length < this.capacity && this.end + src.length > this.buffer.length)
      this.grow(src.length);
    const pos = this.end % this.capacity;
    const first = Math.min(src.length, this.capacity - pos);
    this.buffer.set(src.subarray(0, first), pos);
    if (first < src.length) this.buffer.set(src.subarray(first), 0);
    this.end += src.length;
  }

  // Doubles (at least) towards the capacity, keeping every byte at its offset: below the capacity
  // nothing has wrapped, so offset = index.
  private grow(incoming: number): void {
    const needed = Math.min(this.end + incoming, this.capacity);
    const next = uninitialized(Math.min(this.capacity, Math.max(needed, this.buffer.length * 2)));
    next.set(this.buffer.subarray(0, Math.min(this.end, this.buffer.length)));
    this.buffer = next;
  }

  /** A copy of the retained bytes in [from, to), clamped to what the ring holds. */
  readBytes(from: number, to: number): Uint8Array {
    const start = Math.max(from, this.startOffset);
    const stop = Math.min(to, this.end);
    if (stop <= start) return new Uint8Array(0);
    const pos = start % this.capacity;
    const length = stop - start;
    const first = Math.min(length, this.capacity - pos);
    if (first === length) return this.buffer.slice(pos, pos + length);
    const out = new Uint8Array(length);
    out.set(this.buffer.subarray(pos, pos + first), 0);
    out.set(this.buffer.subarray(0, length - first), first);
    return out;
  }

  /**
   * Decoded bytes from `fromOffset`, never splitting a character: a page ends before an
   * incomplete character, and `nextOffset` continues exactly where it ended.
   */
  read(options: RingReadOptions = {}): ReadResult {
    const page = this.readRaw(options);
    const result: ReadResult = {
      data: utf8Decoder.decode(page.bytes),
      offset: page.offset,
      nextOffset: page.nextOffset,
      endOffset: page.endOffset,
    };
    if (page.gap) result.gap = page.gap;
    return result;
  }

  /** {@link read} without the decoding: the page's bytes (a copy), on the same character edges. */
  readRaw(options: RingReadOptions = {}): RawPage {
    const from = options.fromOffset ?? this.startOffset;
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!Number.isInteger(from) || from < 0 || from > this.end) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `fromOffset ${from} is outside the output written so far (0…${this.end}); pass an offset ≤ endOffset`,
      );
    }
    if (!(maxBytes > 0)) {
      throw new OrchflowError(ErrorCode.InvalidParams, `maxBytes must be positive, got ${maxBytes}`);
    }
    const begin = this.charStartAtOrAfter(Math.max(from, this.startOffset));
    const byteAt = (offset: number): number => this.buffer[offset % this.capacity] as number;
    let stop = completeLength(byteAt, begin, Math.min(this.end, begin + maxBytes));
    if (stop === begin && begin < this.end) {
      // maxBytes is smaller than the next character: return that one character rather than nothing.
      const charEnd = begin + sequenceLength(byteAt(begin));
      if (charEnd <= this.end) stop = charEnd;
    }
    const page: RawPage = {
      bytes: this.readBytes(begin, stop),
      offset: begin,
      nextOffset: stop,
      endOffset: this.end,
    };
    if (from < this.startOffset) page.gap = { from, to: begin };
    return page;
  }

  /**
   * `offset`, moved past the rest of a character it falls inside. At the ring's start the
   * character's lead byte may have rotated out, so up to 3 leading continuation bytes are skipped.
   */
  private charStartAtOrAfter(offset: number): number {
    const start = this.startOffset;
    for (let lead = offset - 1; lead >= Math.max(start, offset - 3); lead--) {
      const byte = this.buffer[lead % this.capacity] as number;
      if (isContinuation(byte)) continue;
      const end = lead + sequenceLength(byte);
      return end > offset ? Math.min(end, this.end) : offset;
    }
    if (start === 0 || offset > start + 2) return offset;
    let skipped = offset;
    while (
      skipped < this.end &&
      skipped < offset + 3 &&
      isContinuation(this.buffer[skipped % this.capacity] as number)
    ) {
      skipped++;
    }
    return skipped;
  }
}
