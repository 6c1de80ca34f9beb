// UTF-8 boundary arithmetic for byte streams cut at arbitrary points. Decoding itself is done by
// TextDecoder; these helpers only decide where a cut may fall so no character is split.

/** Shared decoder; `ignoreBOM` keeps a U+FEFF the program printed instead of swallowing it. */
export const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** True for a continuation byte (10xxxxxx). */
export function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Bytes in the sequence a lead byte starts: 2–4 for a multi-byte lead, else 1. */
export function sequenceLength(byte: number): number {
  if (byte >= 0xc0 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf7) return 4;
  return 1;
}

/**
 * Where to cut `length` bytes so the cut does not fall inside a multi-byte sequence:
 * `length` itself, or the start of an incomplete trailing sequence. `byteAt(i)` reads index i.
 */
export function completeLength(byteAt: (index: number) => number, start: number, length: number): number {
  const floor = Math.max(start, length - 4);
  for (let i = length - 1; i >= floor; i--) {
    const byte = byteAt(i);
    if (isContinuation(byte)) continue;
    return i + sequenceLength(byte) > length ? i : length;
  }
  return length;
}

/** {@link completeLength} over a plain byte array. */
export function completePrefix(bytes: Uint8Array): number {
  return completeLength((i) => bytes[i] as number, 0, bytes.length);
}
