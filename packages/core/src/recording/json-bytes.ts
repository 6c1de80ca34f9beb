// A JSON string literal made from UTF-8 bytes without decoding them: what `JSON.stringify(text)`
// gives, encoded as UTF-8, where `text` is the bytes decoded. Bytes with nothing to escape are
// the literal's content as they are (a scan, then a copy). Otherwise the bytes are read as
// Latin-1 (one character per byte, a plain copy) and escaped by `JSON.stringify`, which escapes
// exactly the bytes below 0x20, `"` and `\` — all ASCII, so the same as in the decoded text — and
// leaves the bytes of multi-byte characters (0x80–0xFF as Latin-1) alone; written back as Latin-1
// they are the original bytes. A recording writes every output chunk this way, where decoding to
// text, escaping and encoding back made two strings and two UTF-8 passes per chunk (recording's
// CPU ~5 → ~3 ms per MiB, docs/performance.md). Only valid UTF-8 is written this way: invalid
// bytes must become U+FFFD as the decoder makes them, so those chunks are decoded as text.
//
// The scan for a byte to escape reads 16 bytes at a time past the first line's worth, with
// WebAssembly SIMD (plain-scan.ts), or four at a time in JavaScript where that is missing: on
// output with nothing to escape it was most of the recorder's own CPU (the recorder alone 2.0 →
// 0.8 ms per MiB with words; the scan 0.81 → 0.24 ns per byte in a loop, ~0.45 in a recorded
// terminal; SIMD ~0.12 with the copy). What else was tried is in docs/performance.md.
import { isUtf8 } from 'node:buffer';
import { simdScanner } from './plain-scan';

/** 1 for each byte JSON escapes (below 0x20, `"`, `\`). */
const ESCAPED = Uint8Array.from({ length: 256 }, (_, byte) =>
  byte < 0x20 || byte === 0x22 || byte === 0x5c ? 1 : 0,
);

/**
 * A JSON string literal, quotes included: `plain` bytes between quotes when none needs escaping,
 * else `latin1`, the whole literal with one character per byte.
 */
export type JsonBytes =
  | { readonly source: Uint8Array; readonly plain: Uint8Array; readonly latin1?: undefined }
  | { readonly source: Uint8Array; readonly latin1: string; readonly plain?: undefined };

/** `bytes` as a JSON string literal, or undefined when they are not valid UTF-8. */
export function jsonBytesOf(bytes: Uint8Array): JsonBytes | undefined {
  if (!isUtf8(bytes)) return undefined;
  // Where nothing needs escaping, the scan (~0.24 ns per byte) and one copy replace JSON.stringify
  // (~1.1 ns per character in V8 11, escapes or not) and its two Latin-1 copies.
  if (isPlain(bytes)) return { source: bytes, plain: bytes };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return { source: bytes, latin1: JSON.stringify(text) };
}

/** Bytes read one at a time before the word scan: about a line of terminal output. */
const LEAD = 128;
/**
 * Shorter chunks are read one at a time throughout: the word view costs ~30 ns, about what the
 * words save over 60 bytes.
 */
const WORDS_FROM = LEAD + 64;

/** Whether no byte of `bytes` needs escaping. */
function isPlain(bytes: Uint8Array): boolean {
  // Output with line ends or colours stops within its first line, before a word view would pay
  // for itself.
  const length = bytes.length;
  const lead = length < WORDS_FROM ? length : LEAD;
  let i = 0;
  while (i < lead && ESCAPED[bytes[i] as number] === 0) i++;
  if (i < lead) return false;
  if (i === length) return true;
  const simd = simdScanner();
  return simd ? simd.plain(bytes, i) : isPlainFrom(bytes, i);
}

/** The scan in JavaScript, four bytes at a time: where WebAssembly SIMD is not available. */
export function isPlainFrom(bytes: Uint8Array, from: number): boolean {
  const length = bytes.length;
  let i = from;
  // An Int32Array starts at a multiple of 4 in its ArrayBuffer, and node-pty's chunks are slices
  // of a larger one at any offset: the bytes before that multiple and after the last word are
  // read one at a time.
  const aligned = i + (-(bytes.byteOffset + i) & 3);
  const count = (length - aligned) >> 2;
  if (count > 0) {
    while (i < aligned) if (ESCAPED[bytes[i++] as number] !== 0) return false;
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + aligned, count);
    for (let k = 0; k < count; k++) {
      const w = words[k] as number;
      // For n ≤ 0x80, (x - n × 0x01010101) & ~x & 0x80808080 is non-zero exactly when a byte of x
      // is below n: with none, no byte borrows and each top bit left is one ~x clears; the lowest
      // byte below n borrows nothing, wraps to ≥ 0x80, and its own top bit is clear. (Bytes above
      // it may be flagged by its borrow; only whether any is matters here.) A byte equal to c is
      // a zero byte, below 1, of x ^ c × 0x01010101; `"` and `\` have their top bit clear, so
      // one ~w serves all three tests. Bytes ≥ 0x80, those of multi-byte characters, are never
      // flagged. `|` and `&` wrap the (possibly negative) differences to 32 bits.
      const below20 = w - 0x20202020;
      const quote = (w ^ 0x22222222) - 0x01010101;
      const backslash = (w ^ 0x5c5c5c5c) - 0x01010101;
      if (((below20 | quote | backslash) & ~w & 0x80808080) !== 0) return false;
    }
    i = aligned + count * 4;
  }
  while (i < length) if (ESCAPED[bytes[i++] as number] !== 0) return false;
  return true;
}

/** Bytes of the literal. */
export function jsonBytesLength(json: JsonBytes): number {
  return json.plain ? json.plain.length + 2 : json.latin1.length;
}

/** Writes `json` into `buffer` at `at` (which has room for it); returns the end. */
export function writeJsonBytes(json: JsonBytes, buffer: Buffer, at: number): number {
  if (!json.plain) return at + buffer.write(json.latin1, at, 'latin1');
  buffer[at] = 0x22;
  buffer.set(json.plain, at + 1);
  buffer[at + 1 + json.plain.length] = 0x22;
  return at + json.plain.length + 2;
}
