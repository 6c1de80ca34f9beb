// Keeps one terminal view's place in the terminal's output by absolute byte offset, so that a
// view fed by several subscriptions over time (first the retained scrollback, then live output,
// then a resume after a reconnect) writes every byte once: chunks it already has are dropped,
// the overlapping head of a chunk is cut off, and a jump forward becomes an explicit hole.

/** What to show for a piece of input: text to write, or a marker for bytes that never came. */
export type TrackedPiece = { kind: 'text'; text: string } | { kind: 'hole'; from: number; to: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Byte offset bookkeeping of one terminal view. */
export class OffsetTracker {
  private expected: number | undefined;

  /** The offset of the next byte the view expects; undefined before any output arrived. */
  get next(): number | undefined {
    return this.expected;
  }

  /**
   * Where a (re)subscription should start: the next expected byte, or 0 (the server starts at the
   * oldest byte it still retains) for a view that has nothing yet.
   */
  resumeOffset(): number {
    return this.expected ?? 0;
  }

  /**
   * Takes a chunk covering bytes [offset, nextOffset) and returns what to show. The first chunk
   * a fresh view gets is the start of what the server retains, so it is never reported as a hole.
   */
  data(offset: number, nextOffset: number, text: string): TrackedPiece[] {
    const expected = this.expected;
    if (expected === undefined || offset === expected) {
      this.expected = nextOffset;
      return text === '' ? [] : [{ kind: 'text', text }];
    }
    if (nextOffset <= expected) return []; // delivered before (a replay overlapping what we have)
    this.expected = nextOffset;
    if (offset > expected) {
      const pieces: TrackedPiece[] = [{ kind: 'hole', from: expected, to: offset }];
      if (text !== '') pieces.push({ kind: 'text', text });
      return pieces;
    }
    const rest = dropLeadingBytes(text, expected - offset);
    return rest === '' ? [] : [{ kind: 'text', text: rest }];
  }

  /** Takes a gap notice: bytes [from, to) will never be delivered; the view continues at `to`. */
  gap(from: number, to: number): TrackedPiece[] {
    const expected = this.expected;
    if (expected !== undefined && to <= expected) return [];
    this.expected = to;
    return [{ kind: 'hole', from: expected === undefined ? from : Math.max(from, expected), to }];
  }
}

/**
 * `text` without its first `bytes` UTF-8 bytes. Offsets count the terminal's raw bytes; for output
 * that was valid UTF-8 (the usual case) those are the text's own bytes. A cut inside a character
 * drops that character rather than showing half of it.
 */
export function dropLeadingBytes(text: string, bytes: number): string {
  if (bytes <= 0) return text;
  const encoded = encoder.encode(text);
  if (bytes >= encoded.length) return '';
  let start = bytes;
  // Skip UTF-8 continuation bytes (10xxxxxx) so decoding starts on a character boundary.
  while (start < encoded.length && ((encoded[start] ?? 0) & 0xc0) === 0x80) start++;
  return decoder.decode(encoded.subarray(start));
}

/** The line a view shows where output is missing. */
export function holeMarker(from: number, to: number): string {
  return `\r\n\x1b[0;33m[… ${to - from} bytes of output not shown (offsets ${from}–${to}) …]\x1b[0m\r\n`;
}
